import { ConfigurationError } from "@hopper/core";
import { quoteIdentifier } from "./postgres-executor.js";

/** Where Hopper's tables live, and the NOTIFY channel that goes with them. */
export interface PostgresSchema {
  readonly name: string;
  /** The quoted identifier, safe to place in SQL text. */
  readonly quoted: string;
  /** NOTIFY channel; lowercase and unquoted-safe because PGlite's LISTEN does not quote. */
  readonly channel: string;
}

export const DEFAULT_SCHEMA = "hopper";

// Lowercase only: identifiers fold to lowercase unquoted, and the channel name must match in both drivers.
const schemaPattern = /^[a-z_][a-z0-9_]{0,49}$/;

export function resolveSchema(name: unknown = DEFAULT_SCHEMA, field = "schema"): PostgresSchema {
  if (typeof name !== "string" || !schemaPattern.test(name)) {
    throw new ConfigurationError({ field, message: `${JSON.stringify(name)} is not a valid schema name: use 1-50 lowercase letters, digits or "_", starting with a letter or "_"` });
  }
  return { name, quoted: quoteIdentifier(name), channel: `hopper_${name}` };
}
