import type { SqlExecutor } from "../postgres-executor.js";
import type { PostgresSchema } from "../postgres-schema.js";
import { isErrorOfFunction } from "./schema-function.js";

/** Claims of fewer rows always move `run_at`: a claim of a few (slow jobs, free slots only) saves little by keeping it. */
const keepDueFromWanted = 32;
/**
 * Keeping the due time saves ~6 µs of server CPU per claimed row; each leased row a claim steps over costs ~0.17 µs
 * (benchmarks/results/postgres-claim-join-2026-12-04.md, postgres-claim-keeps-due-2026-12-05.md): even at ~35 leased
 * rows per claimed one. Stop at half of that.
 */
const leasedPerClaimedRow = 16;
/** The front is counted again every this many claims that may keep the due time (and at the first). */
const countEveryClaims = 16;
const retryCountAfterMs = 60_000;
/** Undefined function (schema not migrated to 8), insufficient privilege. */
const countUnusable = new Set(["42883", "42501"]);

/**
 * Whether a claim of one queue should keep its rows' due time (`claim_messages(…, keep_due)`, migration 8): only
 * while the leased rows at the front of the queue's due index, which every claim steps over, are few for the rows
 * claimed. Counted now and then by `claim_front_leases()` beside the claims (never in their way); a count that cannot
 * run (a schema not migrated to 8, no EXECUTE) leaves every claim moving `run_at`, as before, and is tried again a
 * minute later. Between counts the front can grow by the claims that keep the due time, at most
 * `countEveryClaims × wanted` rows, which the next count sees.
 */
export class ClaimFront {
  private leased: number | undefined;
  /** The rows the last count read: its answer settles claims up to this many ÷ (leasedPerClaimedRow + 1). */
  private countedWindow = 0;
  private claimsSinceCount = 0;
  /** The count on its way, if any. */
  private counting: Promise<void> | undefined;
  private countableAfter = 0;

  constructor(
    private readonly executor: SqlExecutor,
    private readonly schema: PostgresSchema,
    private readonly queue: string,
  ) {}

  /** For a claim of `wanted` rows about to go out. */
  keepDue(wanted: number): boolean {
    if (wanted < keepDueFromWanted) return false;
    this.claimsSinceCount += 1;
    // A count read too few rows for this claim's bound (it was made for a smaller claim): it settles nothing here.
    const window = (leasedPerClaimedRow + 1) * wanted;
    const settled = this.leased !== undefined && window <= this.countedWindow;
    if (this.counting === undefined && (!settled || this.claimsSinceCount >= countEveryClaims) && Date.now() >= this.countableAfter) {
      this.count(Math.max(window, this.countedWindow));
    }
    return settled && this.leased! < leasedPerClaimedRow * wanted;
  }

  /** A claim that would keep the due time was refused (no EXECUTE on it, or it is gone): none keeps it for a minute. */
  refused(): void {
    this.leased = undefined;
    this.countableAfter = Date.now() + retryCountAfterMs;
  }

  /** Resolves once no count is on its way (for tests: a claim made after it uses the count's answer). */
  async counted(): Promise<void> {
    await this.counting;
  }

  private count(windowRows: number): void {
    this.claimsSinceCount = 0;
    this.counting = this.executor
      .query<{ leased: string | number }>(`SELECT ${this.schema.quoted}.claim_front_leases($1, $2) AS leased`, [this.queue, windowRows])
      .then(([row]) => {
        this.leased = Number(row?.leased ?? 0);
        this.countedWindow = windowRows;
      })
      .catch((error: unknown) => {
        // Claims keep moving run_at until a count answers; a count is only advice, so no other error is raised here.
        this.leased = undefined;
        if (isErrorOfFunction(error, "claim_front_leases", countUnusable)) this.countableAfter = Date.now() + retryCountAfterMs;
      })
      .finally(() => {
        this.counting = undefined;
      });
  }
}
