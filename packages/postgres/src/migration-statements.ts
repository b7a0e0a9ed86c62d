/**
 * Splits a migration at every semicolon outside a `$$`-quoted body: a SQL function's body (migration 6's) holds none,
 * a PL/pgSQL one (migration 7's next_due_in_ms) ends statements with them. Line comments are dropped first. A tagged
 * dollar quote (`$body$`) is refused rather than split at its inner semicolons.
 */
export function splitStatements(sql: string): string[] {
  const tagged = /\$[A-Za-z_][A-Za-z0-9_]*\$/.exec(sql);
  if (tagged) throw new Error(`a migration uses the dollar quote ${tagged[0]}, which migrate() does not split on: quote function bodies with $$`);
  const withoutComments = sql
    .split("\n")
    .map((line) => line.replace(/--.*$/, ""))
    .join("\n");
  const statements: string[] = [""];
  // Between two `$$` (odd pieces) is a body, kept whole; elsewhere a semicolon ends the statement.
  withoutComments.split("$$").forEach((piece, index) => {
    if (index % 2 === 1) {
      statements[statements.length - 1] += `$$${piece}$$`;
      return;
    }
    const [first = "", ...rest] = piece.split(";");
    statements[statements.length - 1] += first;
    statements.push(...rest);
  });
  return statements.map((statement) => statement.trim()).filter((statement) => statement.length > 0);
}
