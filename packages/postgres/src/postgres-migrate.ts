import { readdir, readFile } from "node:fs/promises";
import type { SqlExecutor } from "./postgres-executor.js";
import type { PostgresSchema } from "./postgres-schema.js";
import { splitStatements } from "./migration-statements.js";

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

const migrationsDirectory = new URL("./migrations/", import.meta.url);
const migrationFilePattern = /^(\d{6})_([a-z0-9_]+)\.sql$/;
// First key of pg_advisory_xact_lock(int, int): "hopr"; the second is the schema's hash.
const advisoryLockNamespace = 0x686f7072;

let loaded: Promise<Migration[]> | undefined;

/** The numbered files in ./migrations, in order. Append-only: a released file is never edited. */
export function loadMigrations(): Promise<Migration[]> {
  loaded ??= (async () => {
    const files = (await readdir(migrationsDirectory)).filter((file) => migrationFilePattern.test(file)).sort();
    return Promise.all(
      files.map(async (file) => {
        const [, version, name] = migrationFilePattern.exec(file)!;
        return { version: Number(version), name: name!, sql: await readFile(new URL(file, migrationsDirectory), "utf8") };
      }),
    );
  })();
  return loaded;
}

/**
 * Brings `schema` up to the latest migration. Safe when many workers start at
 * once: a transaction-scoped advisory lock lets one migrate while the others
 * wait, then find the ledger complete. Returns the versions it applied.
 */
export async function migrate(executor: SqlExecutor, schema: PostgresSchema): Promise<number[]> {
  const migrations = await loadMigrations();
  return executor.transaction(async (transaction) => {
    await transaction.query("SELECT pg_advisory_xact_lock($1, hashtext($2))", [advisoryLockNamespace, schema.name]);
    await transaction.query(`CREATE SCHEMA IF NOT EXISTS ${schema.quoted}`);
    await transaction.query(
      `CREATE TABLE IF NOT EXISTS ${schema.quoted}.migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const rows = await transaction.query<{ version: number }>(`SELECT version FROM ${schema.quoted}.migrations`);
    const applied = new Set(rows.map((row) => row.version));
    const pending = migrations.filter((migration) => !applied.has(migration.version));
    for (const migration of pending) {
      // Statements one by one: the extended protocol (parameters) takes a single statement.
      for (const statement of splitStatements(migration.sql.replaceAll("{{schema}}", schema.quoted))) await transaction.query(statement);
      await transaction.query(`INSERT INTO ${schema.quoted}.migrations (version, name) VALUES ($1, $2)`, [migration.version, migration.name]);
    }
    return pending.map((migration) => migration.version);
  });
}
