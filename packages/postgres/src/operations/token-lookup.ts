import type { LeaseToken } from "./delete-messages.js";

/**
 * SQL for a statement on leased messages that finds each row by its seq in the array parameter `seqs` and reads
 * that token's other fields from parallel array parameters: `m.seq = ANY(seqs)` bounds the scan by the primary
 * key, and `field(...)` picks the value at the row's position in `seqs` (array_position, a loop in C). No join:
 * joined to unnest(), a planner that took `messages` for one row (a vacuum found it empty, the rows came after)
 * read the whole token list again for every row found, n² comparisons per batch of n.
 */
export function tokenLookup(seqs: string) {
  const position = `array_position(${seqs}::bigint[], m.seq)`;
  return {
    /** Rows of the batch: the condition that bounds the scan. */
    rows: `m.seq = ANY(${seqs}::bigint[])`,
    /** The token's value of the parallel array parameter `param` (of SQL type `type`) for row m. */
    field: (param: string, type: string) => `(${param}::${type}[])[${position}]`,
  };
}

/**
 * Splits a batch so that no statement carries one seq twice (array_position finds only the first): two workers of
 * one process may ack the same message, one with a lease it lost. Almost always one round: the batch itself.
 */
export function roundsOfDistinctSeqs<Token extends LeaseToken>(tokens: readonly Token[]): Token[][] {
  const rounds: { seqs: Set<string>; tokens: Token[] }[] = [];
  for (const token of tokens) {
    let round = rounds.find((candidate) => !candidate.seqs.has(token.seq));
    if (round === undefined) rounds.push((round = { seqs: new Set(), tokens: [] }));
    round.seqs.add(token.seq);
    round.tokens.push(token);
  }
  return rounds.map((round) => round.tokens);
}
