/**
 * Why a key (ordering, dedupe, unique, concurrency) cannot be stored by every
 * backend alike, or undefined when it can. PostgreSQL text cannot hold U+0000,
 * and a lone surrogate does not survive UTF-8 (it would silently become
 * U+FFFD and collide with other keys); one bad key would also fail a whole
 * coalesced batch, so it is refused before it is sent.
 */
export function keyTextProblem(key: unknown, maxLength: number): string | undefined {
  if (typeof key !== "string" || key.length === 0 || key.length > maxLength) return `a string of 1 to ${maxLength} characters, got ${JSON.stringify(key)}`;
  if (key.includes("\u0000")) return `text without U+0000 (no backend can store it), got ${JSON.stringify(key)}`;
  if (!key.isWellFormed()) return `well-formed text, got ${JSON.stringify(key)} with a lone surrogate (it cannot be encoded as UTF-8)`;
  return undefined;
}
