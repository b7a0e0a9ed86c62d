import pg from "pg";

/** Not a statement kind: how many of the counted queries were sent while `overlapped()` said so. */
export const overlappedKind = "overlapped";

/** The statement's kind for the counts: its first keyword ("SELECT", "DELETE", "BEGIN"…), upper-cased. */
export function queryKind(query: unknown): string {
  const text = typeof query === "string" ? query : typeof (query as { text?: unknown } | null)?.text === "string" ? (query as { text: string }).text : "";
  return /^\s*([A-Za-z]+)/.exec(text)?.[1]?.toUpperCase() ?? "OTHER";
}

/**
 * Every query any pg client of this process sends (the pool's go through `Client.query`
 * too), by kind: PostgreSQL round trips, counted rather than timed. Installed once; the
 * bench reads differences between two snapshots.
 */
export class PgQueryCount {
  static #counts: Map<string, number> | undefined;

  /** `overlapped`: whether a query sent now overlaps other work (a target send); counted apart as the kind `overlapped`. */
  static install(overlapped: () => boolean = () => false): void {
    if (PgQueryCount.#counts) return;
    const counts = new Map<string, number>();
    PgQueryCount.#counts = counts;
    const original = pg.Client.prototype.query as (...args: unknown[]) => unknown;
    (pg.Client.prototype as { query: unknown }).query = function countedQuery(this: unknown, ...args: unknown[]) {
      const kind = queryKind(args[0]);
      counts.set(kind, (counts.get(kind) ?? 0) + 1);
      if (overlapped()) counts.set(overlappedKind, (counts.get(overlappedKind) ?? 0) + 1);
      return original.apply(this, args);
    };
  }

  static snapshot(): ReadonlyMap<string, number> {
    if (!PgQueryCount.#counts) throw new Error("PgQueryCount.install() first");
    return new Map(PgQueryCount.#counts);
  }
}

/** Queries by kind between two snapshots, kinds that did not move left out. */
export function queryDelta(before: ReadonlyMap<string, number>, after: ReadonlyMap<string, number>): Record<string, number> {
  const delta: Record<string, number> = {};
  for (const [kind, count] of after) {
    const moved = count - (before.get(kind) ?? 0);
    if (moved > 0) delta[kind] = moved;
  }
  return delta;
}
