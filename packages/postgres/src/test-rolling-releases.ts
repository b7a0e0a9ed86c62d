// A worker of the previous release beside one of this release, on one schema (a rolling deploy), and a worker of
// this release on a schema not yet migrated for it.
import pg from "pg";
import { afterAll, beforeAll, expect } from "vitest";
import { createPostgresBackend, type PostgresBackend } from "./postgres-backend.js";
import { createPgExecutor, type SqlExecutor } from "./postgres-executor.js";
import { resolveSchema, type PostgresSchema } from "./postgres-schema.js";
import { throwawaySchema } from "./test-postgres-targets.js";
import { loadMigrations } from "./postgres-migrate.js";
import { splitStatements } from "./migration-statements.js";

export type Release = "previous" | "this";

export interface SharedSchema {
  readonly schema: PostgresSchema;
  /** This release's backend on the schema (it migrated it). */
  readonly backend: PostgresBackend;
  /** Up to 8 connections, for either release's statements. */
  readonly pool: pg.Pool;
  readonly executor: SqlExecutor;
}

/** A throwaway schema migrated by this release, for the describe block that calls it; its members are set once beforeAll ran. */
export function sharedSchema(url: string | undefined): SharedSchema {
  const name = url ? throwawaySchema(url) : "";
  const shared = { schema: resolveSchema(name || "unused") } as { -readonly [K in keyof SharedSchema]: SharedSchema[K] };
  beforeAll(async () => {
    shared.backend = await createPostgresBackend({ connectionString: url!, schema: name, maxConnections: 2 });
    shared.pool = new pg.Pool({ connectionString: url!, max: 8 });
    shared.executor = createPgExecutor(shared.pool, { ownsPool: false });
  }, 60_000);
  afterAll(async () => {
    await shared.pool?.end();
    await shared.backend?.close();
  });
  return shared;
}

/**
 * Two takers of each release drain one queue of `jobs` messages at once, each until it finds nothing: every message
 * must be taken once, and each release must have taken some (else the test showed nothing side by side).
 */
export async function expectEachTakenOnceSideBySide(jobs: number, take: (release: Release) => Promise<readonly { id: string }[]>): Promise<void> {
  const takenBy = new Map<string, Release>();
  const repeats: string[] = [];
  const drain = async (release: Release) => {
    for (;;) {
      const rows = await take(release);
      if (rows.length === 0) return;
      for (const row of rows) {
        if (takenBy.has(row.id)) repeats.push(row.id);
        takenBy.set(row.id, release);
      }
    }
  };
  await Promise.all([drain("previous"), drain("this"), drain("previous"), drain("this")]);
  expect(repeats).toEqual([]);
  expect(takenBy.size).toBe(jobs);
  const byRelease = [...takenBy.values()];
  expect(byRelease.filter((release) => release === "previous").length).toBeGreaterThan(0);
  expect(byRelease.filter((release) => release === "this").length).toBeGreaterThan(0);
}

/** The functions each migration added (name and argument types), for taking a schema back before it. */
const functionsAddedBy: Readonly<Record<number, readonly string[]>> = {
  6: ["claim_messages(text, integer, double precision, boolean)"],
  7: ["take_scheduled_messages(text, integer, double precision)", "next_due_in_ms(text)"],
};
/** Functions a later migration replaced (CREATE OR REPLACE): by which migration, and the migration whose body it replaced. */
const functionsReplaced: readonly { readonly fn: string; readonly by: number; readonly madeBy: number }[] = [
  { fn: "claim_messages(text, integer, double precision, boolean)", by: 8, madeBy: 6 },
  { fn: "claim_messages(text, integer, double precision, boolean)", by: 9, madeBy: 8 },
  { fn: "take_scheduled_messages(text, integer, double precision)", by: 9, madeBy: 7 },
];
/** What takes back a migration's changes other than functions (statements, `{{schema}}` for the schema). */
const otherChangesUndone: Readonly<Record<number, readonly string[]>> = {
  // Migration 9 keyed the due index by (seq + 0).
  9: ["DROP INDEX {{schema}}.messages_due_idx", "CREATE INDEX messages_due_idx ON {{schema}}.messages (queue, priority DESC, run_at, seq)"],
};

/**
 * Takes a schema this release migrated back to what the release before migration `version` left: the functions
 * migrations from `version` on added dropped, those they replaced made again as the migration before them wrote them,
 * their other changes listed in `otherChangesUndone` taken back, and the ledger's rows from `version` on deleted.
 */
export async function schemaBeforeMigration(url: string, schema: string, version: number): Promise<void> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    const quoted = resolveSchema(schema).quoted;
    for (const [added, functions] of Object.entries(functionsAddedBy).reverse()) {
      if (Number(added) < version) continue;
      for (const fn of functions) await admin.query(`DROP FUNCTION IF EXISTS ${quoted}.${fn}`);
    }
    const migrations = await loadMigrations();
    // The latest replacement first: the body a function had before `version` is the one its earliest replacement from
    // `version` on replaced.
    for (const { fn, by, madeBy } of [...functionsReplaced].sort((left, right) => right.by - left.by)) {
      if (by < version || madeBy >= version) continue;
      await admin.query(`DROP FUNCTION ${quoted}.${fn}`);
      const made = migrations.find((migration) => migration.version === madeBy)!;
      const name = `.${fn.slice(0, fn.indexOf("("))}(`;
      for (const statement of splitStatements(made.sql.replaceAll("{{schema}}", quoted))) if (statement.includes(name)) await admin.query(statement);
    }
    for (const [changed, statements] of Object.entries(otherChangesUndone).reverse()) {
      if (Number(changed) < version) continue;
      for (const statement of statements) await admin.query(statement.replaceAll("{{schema}}", quoted));
    }
    await admin.query(`DELETE FROM ${quoted}.migrations WHERE version >= ${version}`);
  } finally {
    await admin.end();
  }
}

/** A backend told not to migrate, on `schema` as the release before migration `version` left it (`schemaBeforeMigration`). */
export async function backendBeforeMigration(url: string, schema: string, version: number): Promise<PostgresBackend> {
  await (await createPostgresBackend({ connectionString: url, schema, maxConnections: 2 })).close();
  await schemaBeforeMigration(url, schema, version);
  return createPostgresBackend({ connectionString: url, schema, maxConnections: 2, migrate: false });
}
