import { describe, expect, it } from "vitest";
import { splitStatements } from "./migration-statements.js";
import { loadMigrations } from "./postgres-migrate.js";

describe("splitting a migration into statements", () => {
  it("splits at semicolons outside $$ bodies and keeps a PL/pgSQL body whole", () => {
    const statements = splitStatements(`CREATE TABLE t (a int); -- a comment; with a semicolon
CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$
BEGIN
  RETURN 1;
END
$$;
CREATE INDEX i ON t (a);`);
    expect(statements).toHaveLength(3);
    expect(statements[1]).toMatch(/^CREATE FUNCTION f\(\)[\s\S]*RETURN 1;\s*END\s*\$\$$/);
    expect(statements[2]).toBe("CREATE INDEX i ON t (a)");
  });

  it("splits every released migration into whole statements: migration 7 into its two functions", async () => {
    for (const migration of await loadMigrations()) {
      const statements = splitStatements(migration.sql);
      expect(statements.length, migration.name).toBeGreaterThan(0);
      for (const statement of statements) expect(statement, migration.name).not.toMatch(/^\s*$/);
      if (migration.version === 7) {
        expect(statements.map((statement) => statement.split("(")[0])).toEqual(["CREATE FUNCTION {{schema}}.take_scheduled_messages", "CREATE FUNCTION {{schema}}.next_due_in_ms"]);
      }
    }
  });

  it("refuses a tagged dollar quote, which it would split at the body's semicolons, naming what to use", () => {
    expect(() => splitStatements("CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $body$ BEGIN RETURN 1; END $body$;")).toThrow(/\$body\$.*quote function bodies with \$\$/);
  });
});
