import { ConfigurationError } from "@hopper/core";
import type { PostgresSchema } from "../postgres-schema.js";

/** A statement of this release that calls a function a migration adds: its name, that migration, what needs it. */
export interface SchemaFunction {
  readonly name: string;
  readonly migration: number;
  readonly neededBy: string;
}

/**
 * PostgreSQL's "undefined function" (42883) naming `fn` becomes a ConfigurationError naming migrate(): the schema
 * predates `fn.migration` (a worker of this release started with migrate off before the schema was brought up).
 */
export function whenNotMigrated(schema: PostgresSchema, fn: SchemaFunction): (error: unknown) => never {
  return (error) => {
    const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
    if (code !== "42883" || typeof message !== "string" || !message.includes(fn.name)) throw error;
    throw new ConfigurationError({
      field: "migrate",
      message: `schema ${schema.name} is not migrated to version ${fn.migration} (${schema.name}.${fn.name} is missing), which this release's ${fn.neededBy} need: run backend.migrate() before starting its workers, or leave migrate on (the default)`,
    });
  };
}
