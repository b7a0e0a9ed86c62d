import type { LeaseToken } from "./delete-messages.js";

/**
 * How the token statements (ack, lease extension, release) match rows to tokens without joining the token list.
 * Joined, a statement read the whole list once per row whenever statistics took the table for empty (a drained
 * queue after a vacuum): the planner put the one row it expected outside and the list inside, 999,000 comparisons
 * and ~220 ms for 1,000 acks (benchmarks/results/postgres-token-lookup-2026-12-05.md). Here the rows come from the
 * primary key (`seq = ANY`) and each finds its token, and the token's own values, in a jsonb object keyed
 * `seq:attempts` (a binary search): no plan can read the list more than once.
 */

/** The `seq:attempts` key of the row aliased `alias`. */
export function tokenKey(alias: string): string {
  return `(${alias}.seq::text || ':' || ${alias}.attempts::text)`;
}

/**
 * A token's key as `tokenKey` makes it in SQL. Seqs come from the claim's `seq::text` and attempts from an integer
 * column, so the spellings agree; a seq spelled otherwise (" 5", "05") finds no row and is taken for a stale token.
 */
export function keyOf(token: LeaseToken): string {
  return `${token.seq}:${Math.trunc(token.attempts)}`;
}

/**
 * The tokens as a jsonb object's text: each token's key to its value (JSON text). Of two tokens with one key in a
 * batch (the same delivery released or renewed twice) the last wins, with its delay and flag together; a join took
 * either.
 */
export function tokenObject<T extends LeaseToken>(tokens: readonly T[], value: (token: T) => string): string {
  let text = "{";
  for (let index = 0; index < tokens.length; index++) {
    const token = tokens[index]!;
    text += `${index === 0 ? "" : ","}"${keyOf(token)}":${value(token)}`;
  }
  return `${text}}`;
}
