/**
 * The drain's two statements with job records on PostgreSQL, counted one at a time: the claim (records
 * CTEs in claim-messages.ts) and the ack that settles the finished records (delete-messages.ts), each
 * run as `EXPLAIN (ANALYZE, BUFFERS, WAL)` on a filled queue, with the WAL and this backend's CPU
 * (/proc/<pg_backend_pid()>) around it. Records off runs the same statements without records. Where the
 * records' cost lands, not a throughput figure (`pnpm bench` and the quiet pairs measure those).
 *
 *   node --conditions=@hopper/source --import ./src/child/strip-types.mjs src/probe/postgres-record-drain-plans.ts \
 *     <postgres url (a server of its own)> [jobs per queue, default 2000] [rounds, default 5] [--plans] [--vacuum] [--kept[=N]] [--batch=N]
 *
 * Each round enqueues `jobs` with records (or without), then claims them in batches of 100 (--batch) and acks each
 * batch as succeeded, off and on alternating. It needs the hopper schema migrated and job_records
 * made (run the bench once against the server first). --plans prints the last round's plans. --kept enqueues the
 * records into job_records rows instead of the message rows (where a progress report or a cancel moves a record,
 * and where releases before migration 5 kept them); --kept=N one job's in N (the first of each N).
 */
import { readFileSync } from "node:fs";
import { RECORD_KEPT_UNTIL_LATER_WRITE_MS } from "@hopper/core";
import pg from "pg";
// The backend's own statement builders, not exported by @hopper/postgres: loaded from its source at run time, so this
// app's typecheck does not compile the package (the shapes used are restated below). Run with --conditions=@hopper/source.
interface SqlExecutor {
  query<Row>(text: string, params?: readonly unknown[], options?: unknown): Promise<Row[]>;
}
interface AckItem {
  readonly seq: string;
  readonly attempts: number;
  readonly record?: unknown;
}
const postgresSource = (path: string) => import(new URL(`../../../../packages/postgres/src/${path}`, import.meta.url).href);
const { createClientExecutor } = await postgresSource("postgres-executor.ts");
const { resolveSchema } = await postgresSource("postgres-schema.ts");
const { recordSql } = await postgresSource("postgres-record-sql.ts");
const { claimMessages } = await postgresSource("operations/claim-messages.ts");
const { deleteMessages } = await postgresSource("operations/delete-messages.ts");
const { enqueueMessages } = await postgresSource("operations/enqueue-messages.ts");

const args = process.argv.slice(2);
const showPlans = args.includes("--plans");
const vacuum = args.includes("--vacuum");
const keptArgument = args.find((arg) => arg === "--kept" || arg.startsWith("--kept="));
const keptOneIn = keptArgument === undefined ? 0 : keptArgument === "--kept" ? 1 : Number(keptArgument.slice("--kept=".length));
const batchArgument = args.find((arg) => arg.startsWith("--batch="));
const [connection = process.env.HOPPER_TEST_POSTGRES_URL ?? "", jobsText = "2000", roundsText = "5"] = args.filter((arg) => !arg.startsWith("--"));
const jobs = Number(jobsText);
const batch = batchArgument ? Number(batchArgument.slice("--batch=".length)) : 100;
const dayMs = 86_400_000;

const client = new pg.Client({ connectionString: connection });
await client.connect();
const plain = createClientExecutor(client);
const schema = resolveSchema("hopper");
const records = recordSql(schema, { messageRows: true });
const [{ pid }] = (await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows as [{ pid: number }];
const schedNs = () => Number(readFileSync(`/proc/${pid}/schedstat`, "utf8").split(" ")[0]);
const walBytes = async () => BigInt((await client.query<{ lsn: string }>("SELECT pg_current_wal_insert_lsn() - '0/0'::pg_lsn AS lsn")).rows[0]!.lsn);

interface Totals {
  cpuUs: number;
  walB: bigint;
  buffers: number;
}
const fresh = (): Totals => ({ cpuUs: 0, walB: 0n, buffers: 0 });
const hasStatements = (await client.query("SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements'")).rows.length > 0;
/** Buffers touched (hit + read) by the claims and the acks since the last reset, from pg_stat_statements when loaded (else 0). */
async function statementBuffers(): Promise<{ claim: number; ack: number }> {
  if (!hasStatements) return { claim: 0, ack: 0 };
  const { rows } = await client.query<{ claim: string; ack: string }>(
    `SELECT coalesce(sum(shared_blks_hit + shared_blks_read) FILTER (WHERE query LIKE 'WITH claimed AS%'), 0)::text AS claim,
            coalesce(sum(shared_blks_hit + shared_blks_read) FILTER (WHERE query LIKE 'WITH deleted%'), 0)::text AS ack
     FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())`,
  );
  return { claim: Number(rows[0]!.claim), ack: Number(rows[0]!.ack) };
}
const lastPlans: Record<string, string> = {};

/**
 * An executor that counts each statement into `totals`: this backend's CPU (schedstat) and the WAL it wrote,
 * and the LSN range of every statement (for pg_waldump). With `explain`, it runs the statement under
 * EXPLAIN (ANALYZE, BUFFERS, WAL) instead and keeps the plan (the statement's own rows are then not returned).
 */
function counting(totals: Totals, label: string, explain: boolean): SqlExecutor {
  return {
    ...plain,
    async query<Row>(text: string, params?: readonly unknown[]): Promise<Row[]> {
      const walBefore = await walBytes();
      const cpuBefore = schedNs();
      const result = await client.query(explain ? `EXPLAIN (ANALYZE, BUFFERS, WAL, FORMAT TEXT) ${text}` : text, params as unknown[]);
      totals.cpuUs += (schedNs() - cpuBefore) / 1000;
      const walAfter = await walBytes();
      totals.walB += walAfter - walBefore;
      ranges[label] = [walBefore, walAfter];
      if (explain) lastPlans[label] = result.rows.map((row: Record<string, string>) => row["QUERY PLAN"]).join("\n");
      return result.rows as Row[];
    },
  };
}
const ranges: Record<string, [bigint, bigint]> = {};
const lsn = (bytes: bigint) => `${(bytes >> 32n).toString(16).toUpperCase()}/${(bytes & 0xffffffffn).toString(16).toUpperCase()}`;

let serial = 0;
const results: Record<string, { claim: Totals; ack: Totals; jobs: number }[]> = { off: [], on: [] };
for (let round = 0; round < Number(roundsText); round++) {
  for (const mode of ["off", "on"] as const) {
    const withRecords = mode === "on" ? records : undefined;
    const queue = `record-drain-plans-${process.pid}-${serial++}`;
    const now = Date.now();
    const messages = Array.from({ length: jobs }, (_, index) => ({
      id: `${queue}-${index}`,
      queue,
      body: JSON.stringify({ job: "Bench", args: [index] }),
      ...(withRecords ? { record: { id: `${queue}-${index}`, job: "Bench", queue, enqueuedAt: now, ttlMs: RECORD_KEPT_UNTIL_LATER_WRITE_MS, args: `[${index}]` } } : {}),
    }));
    const keptRecords = recordSql(schema, { messageRows: false });
    for (let at = 0; at < jobs; at += 1000) {
      const slice = messages.slice(at, at + 1000);
      const keptHere = withRecords && keptOneIn > 0 ? slice.filter((_, index) => (at + index) % keptOneIn === 0) : [];
      if (keptHere.length > 0) await enqueueMessages(plain, schema, keptHere as never, keptRecords);
      const inRows = slice.filter((message) => !keptHere.includes(message));
      if (inRows.length > 0) await enqueueMessages(plain, schema, inRows as never, withRecords);
    }
    // As a drain meets it: no vacuum or analyze between the enqueue and the claims, unless asked (--vacuum).
    if (vacuum) await client.query("VACUUM ANALYZE hopper.messages");
    const claim = fresh();
    const ack = fresh();
    if (hasStatements) await client.query("SELECT pg_stat_statements_reset()");
    let done = 0;
    while (done < jobs) {
      // The claim's rows: EXPLAIN ANALYZE writes but returns the plan, so the seq/attempts come from the table after it.
      const explain = showPlans && round === Number(roundsText) - 1 && done === jobs / 2;
      await claimMessages(counting(claim, `claim ${mode}`, explain), schema, { queue, maxMessages: batch, leaseMs: 30_000, ...(withRecords ? { recordTtlMs: RECORD_KEPT_UNTIL_LATER_WRITE_MS } : {}) }, withRecords);
      const { rows } = await client.query<{ seq: string; id: string; attempts: number }>(
        "SELECT seq::text, id, attempts FROM hopper.messages WHERE queue = $1 AND locked_until IS NOT NULL AND attempts > 0 ORDER BY messages.seq",
        [queue],
      );
      if (rows.length === 0) break;
      const items: AckItem[] = rows.map((row) => ({
        seq: row.seq,
        attempts: row.attempts,
        ...(withRecords ? { record: { id: row.id, job: "Bench", queue, state: "succeeded" as const, attempt: 1, enqueuedAt: now, finishedAt: Date.now(), ttlMs: dayMs, result: "null" } } : {}),
      }));
      await deleteMessages(counting(ack, `ack ${mode}`, explain), schema, items, withRecords);
      done += rows.length;
    }
    const buffers = await statementBuffers();
    claim.buffers = buffers.claim;
    ack.buffers = buffers.ack;
    results[mode]!.push({ claim, ack, jobs: done });
  }
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
console.log(`jobs per round ${jobs}, claim batch ${batch}, rounds ${roundsText}${keptOneIn > 0 ? `, records of one job in ${keptOneIn} kept in job_records` : ""}; per job, median of rounds (every round's figure in brackets)`);
for (const mode of ["off", "on"] as const) {
  for (const part of ["claim", "ack"] as const) {
    const per = (pick: (t: Totals) => number) => results[mode]!.map((r) => pick(r[part]) / r.jobs);
    const line = (name: string, values: number[], digits: number) => `${name} ${median(values).toFixed(digits)} [${values.map((v) => v.toFixed(digits)).join(" ")}]`;
    console.log(
      `${mode} ${part}: ${line("server CPU µs", per((t) => t.cpuUs), 1)}; ${line("WAL B", per((t) => Number(t.walB)), 0)}; ${line("buffers", per((t) => t.buffers), 1)}`,
    );
  }
}
if (showPlans) for (const [label, plan] of Object.entries(lastPlans)) console.log(`\n--- ${label} (the last round's middle batch)\n${plan}`);
// The last batch's statements, for: pg_waldump --stats=record -p <data>/pg_wal -s <from> -e <to>
for (const [label, [from, to]] of Object.entries(ranges)) console.log(`WAL range of the last ${label}: -s ${lsn(from)} -e ${lsn(to)}`);
await client.end();
