import pg from "pg";

/** What a drain's statement does, by its text: a fetch locks rows (SKIP LOCKED), a completion deletes or completes them. */
export type StatementRole = "fetch" | "complete" | "other";

export function statementRole(text: string): StatementRole {
  // Hopper's claim is a function since its migration 6 (`claim_messages`), so its text names that instead.
  if (/SKIP\s+LOCKED|\.claim_messages\(/i.test(text)) return "fetch";
  if (/DELETE\s+FROM|completed_on\s*=/i.test(text)) return "complete";
  return "other";
}

/** A statement's text on one line, shortened: enough to tell the statements of one library apart. */
export function statementLabel(text: string): string {
  const line = text.replace(/\s+/g, " ").trim();
  return `[${statementRole(text)}] ${line.length > 110 ? `${line.slice(0, 110)}…` : line}`;
}

interface Span {
  readonly role: StatementRole;
  readonly startedAt: number;
  endedAt: number;
  /** Jobs received and not yet ended when the statement was sent, and when its answer came (fetches; -1 unknown). */
  readonly leftAtSend: number;
  leftAtAnswer: number;
  rows: number;
}

/**
 * Every statement this process's pg clients send while started (one client left out: the
 * probe's own), with when it was sent and when its answer came: how much of a run had a fetch
 * in flight, a completion in flight, or nothing in flight.
 */
export class StatementTimeline {
  private spans: Span[] | undefined;
  /** Rows fetched so far and jobs ended so far in the current run: what was left to run at each fetch. */
  private fetched = 0;
  private ended = 0;

  /** One job of the run ended (the probe's consume callback). */
  jobEnded(): void {
    this.ended += 1;
  }

  install(ignored: pg.Client): void {
    const original = pg.Client.prototype.query as (...args: unknown[]) => unknown;
    const timeline = this;
    (pg.Client.prototype as { query: unknown }).query = function timedQuery(this: pg.Client, ...args: unknown[]) {
      const spans = timeline.spans;
      if (!spans || this === ignored) return original.apply(this, args);
      const text = typeof args[0] === "string" ? args[0] : ((args[0] as { text?: string } | null)?.text ?? "");
      const span: Span = { role: statementRole(text), startedAt: performance.now(), endedAt: Number.NaN, leftAtSend: timeline.fetched - timeline.ended, leftAtAnswer: -1, rows: 0 };
      spans.push(span);
      const end = (result?: unknown) => {
        span.endedAt = performance.now();
        if (span.role !== "fetch") return;
        span.rows = (result as { rowCount?: number } | undefined)?.rowCount ?? 0;
        span.leftAtAnswer = timeline.fetched - timeline.ended;
        timeline.fetched += span.rows;
      };
      // pg-pool passes a callback (and gets no promise back); a direct caller gets a promise.
      const callback = args.at(-1);
      if (typeof callback === "function") {
        args[args.length - 1] = function (this: unknown, ...results: unknown[]) {
          end(results[1]);
          return (callback as (...results: unknown[]) => unknown).apply(this, results);
        };
        return original.apply(this, args);
      }
      const result = original.apply(this, args);
      if (result instanceof Promise) result.then(end, () => end());
      return result;
    };
  }

  start(): void {
    this.spans = [];
    this.fetched = 0;
    this.ended = 0;
  }

  /** Stops recording; a line of figures for the run, which lasted `elapsedMs` up to now. */
  stop(elapsedMs: number): string {
    const spans = this.spans ?? [];
    this.spans = undefined;
    const endAt = performance.now();
    const startAt = endAt - elapsedMs;
    const count = (role: StatementRole) => spans.filter((span) => span.role === role).length;
    const busy = (roles: readonly StatementRole[]) => coveredMs(spans.filter((span) => roles.includes(span.role)), startAt, endAt);
    const mean = (role: StatementRole) => {
      const own = spans.filter((span) => span.role === role && Number.isFinite(span.endedAt));
      return own.length === 0 ? 0 : own.reduce((sum, span) => sum + span.endedAt - span.startedAt, 0) / own.length;
    };
    const share = (ms: number) => `${((100 * ms) / elapsedMs).toFixed(0)}%`;
    // Fetches that leased rows, after the first: how much work was left to run as each went out and as it answered (0 at the answer: the jobs waited for it).
    const fetches = spans.filter((span) => span.role === "fetch" && span.rows > 0).slice(1);
    if (process.env.PROBE_VERBOSE) for (const span of spans) console.log(`    ${span.role} sent ${(span.startedAt - startAt).toFixed(2)} answered ${(span.endedAt - startAt).toFixed(2)} ms, rows ${span.rows}, left at send ${span.leftAtSend}, at answer ${span.leftAtAnswer}`);
    const median = (values: number[]) => (values.length === 0 ? 0 : [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!);
    const overlap =
      `; fetches after the first: median ${median(fetches.map((span) => span.rows))} rows, jobs left to run as one went out ${median(fetches.map((span) => span.leftAtSend))} (median), ` +
      `as it answered ${median(fetches.map((span) => span.leftAtAnswer))} (median), none left at the answer ${fetches.filter((span) => span.leftAtAnswer <= 0).length} of ${fetches.length}`;
    return (
      `${count("fetch")} fetches (mean ${mean("fetch").toFixed(2)} ms), ${count("complete")} completions (mean ${mean("complete").toFixed(2)} ms), ${count("other")} others; ` +
      `of the run: a fetch in flight ${share(busy(["fetch"]))}, a completion ${share(busy(["complete"]))}, nothing ${share(elapsedMs - busy(["fetch", "complete", "other"]))}` +
      overlap
    );
  }
}

/** Milliseconds of [startAt, endAt] covered by at least one span. */
function coveredMs(spans: readonly Span[], startAt: number, endAt: number): number {
  const clipped = spans
    .map((span) => [Math.max(startAt, span.startedAt), Math.min(endAt, Number.isFinite(span.endedAt) ? span.endedAt : endAt)] as const)
    .filter(([from, to]) => to > from)
    .sort((a, b) => a[0] - b[0]);
  let total = 0;
  let reach = startAt;
  for (const [from, to] of clipped) {
    if (to <= reach) continue;
    total += to - Math.max(from, reach);
    reach = to;
  }
  return total;
}
