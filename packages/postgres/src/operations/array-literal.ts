/**
 * PostgreSQL array literals for a statement's array parameters, built in one join per column rather than by the
 * driver: `pg` (and PGlite) escape and concatenate element by element, about 1.5 KB of garbage and 1 µs of CPU per
 * single-enqueued job (benchmarks/results/postgres-single-enqueue-2026-12-05.md). Both drivers send a string
 * parameter as it is, so the server reads the same literal either way.
 */

/** A quote or backslash needs escaping inside a quoted element; anything else (commas, braces, NULL, blanks) is safe quoted. */
const escaped = /["\\]/;

/**
 * `values` as a text[] literal: every element quoted, or all NULL. A column mixing NULLs with strings, or holding a
 * quote or backslash, is handed back as the array for the driver to escape (rare: ordering and dedupe keys).
 */
export function textArrayLiteral(values: readonly (string | null | undefined)[]): string | readonly (string | null | undefined)[] {
  if (values.length === 0) return "{}";
  let nulls = 0;
  for (const value of values) {
    if (value === null || value === undefined) nulls += 1;
    else if (escaped.test(value)) return values;
  }
  if (nulls === values.length) return `{${"NULL,".repeat(values.length - 1)}NULL}`;
  return nulls > 0 ? values : `{"${values.join('","')}"}`;
}

/** Integers (priorities, delays, offsets) as an integer[] or bigint[] literal. */
export function integerArrayLiteral(values: readonly number[]): string {
  return `{${values.join(",")}}`;
}
