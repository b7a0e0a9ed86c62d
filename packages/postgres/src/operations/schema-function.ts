import { ConfigurationError } from "@hopper/core";
import type { PostgresSchema } from "../postgres-schema.js";

/** A statement of this release that calls a function a migration adds: its name, that migration, what needs it. */
export interface SchemaFunction {
  readonly name: string;
  readonly migration: number;
  readonly neededBy: string;
}

/** Whether `error` is one of PostgreSQL's `codes` (SQLSTATE) about the function `name`. */
export function isErrorOfFunction(error: unknown, name: string, codes: ReadonlySet<string>): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return typeof code === "string" && codes.has(code) && typeof message === "string" && message.includes(name);
}

const undefinedFunction = new Set(["42883"]);

/**
 * PostgreSQL's "undefined function" (42883) naming `fn` becomes a ConfigurationError naming migrate(): the schema
 * predates `fn.migration` (a worker of this release started with migrate off before the schema was brought up).
 */
export function whenNotMigrated(schema: PostgresSchema, fn: SchemaFunction): (error: unknown) => never {
  return (error) => {
    if (!isErrorOfFunction(error, fn.name, undefinedFunction)) throw error;
    throw new ConfigurationError({
      field: "migrate",
      message: `schema ${schema.name} is not migrated to version ${fn.migration} (${schema.name}.${fn.name} is missing), which this release's ${fn.neededBy} need: run backend.migrate() before starting its workers, or leave migrate on (the default)`,
    });
  };
}
