import { ConfigurationError } from "./errors/configuration-error.js";

/**
 * Refuses a backend URL's query parameters that would be ignored in silence, naming them and the ones there are.
 * `others`: where the URL's other parameters go, when a driver reads them as its own options (ioredis, node-postgres);
 * then only a near miss of one of ours (`keyprefix`, `key_prefix`, `shema`) is refused, since the driver's own set is
 * open. Without it, every parameter not in `known` is refused.
 */
export function checkUrlParameters(url: URL, known: readonly string[], scheme: string, others?: string): void {
  for (const name of new Set(url.searchParams.keys())) {
    if (known.includes(name)) continue;
    const use = known.length === 0 ? `${scheme}// URLs take none` : `use ${known.join(", ")}`;
    if (others === undefined) throw new ConfigurationError({ field: `url.${name}`, message: `is not a ${scheme}// URL parameter (${use})` });
    const meant = known.find((option) => nearMiss(name, option));
    if (meant !== undefined) {
      throw new ConfigurationError({ field: `url.${name}`, message: `is not a ${scheme}// URL parameter: did you mean ${meant}? (other parameters go to ${others} as its own options)` });
    }
  }
}

/** The same name but for case, `-` and `_`, or at most two letters apart (`shema`, `keyPrefx`). */
function nearMiss(name: string, option: string): boolean {
  const [a, b] = [normalized(name), normalized(option)];
  return a === b || editDistance(a, b) <= Math.min(2, Math.floor(b.length / 3));
}

function normalized(name: string): string {
  return name.toLowerCase().replace(/[-_]/g, "");
}

/** Levenshtein distance; names are short (bounded below by the caller's text). */
function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2 || a.length > 64) return Number.POSITIVE_INFINITY;
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length]!;
}
