import { createHash } from "node:crypto";
import { ConfigurationError } from "@hopper/core";
import { quoteIdentifier } from "./postgres-executor.js";

/** Where Hopper's tables live, and the NOTIFY channel that goes with them. */
export interface PostgresSchema {
  readonly name: string;
  /** The quoted identifier, safe to place in SQL text. */
  readonly quoted: string;
  /** NOTIFY channel; lowercase and unquoted-safe because PGlite's LISTEN does not quote. */
  readonly channel: string;
  /** The job records' events channel (`hopper.events`). */
  readonly recordsChannel: string;
  /** The transactional outbox's wake-up channel. */
  readonly outboxChannel: string;
}

export const DEFAULT_SCHEMA = "hopper";

// Lowercase only: identifiers fold to lowercase unquoted, and the channel name must match in both drivers.
const schemaPattern = /^[a-z_][a-z0-9_]{0,49}$/;

export function resolveSchema(name: unknown = DEFAULT_SCHEMA, field = "schema"): PostgresSchema {
  if (typeof name !== "string" || !schemaPattern.test(name)) {
    throw new ConfigurationError({ field, message: `${JSON.stringify(name)} is not a valid schema name: use 1-50 lowercase letters, digits or "_", starting with a letter or "_"` });
  }
  const channel = `hopper_${name}`;
  return { name, quoted: quoteIdentifier(name), channel, recordsChannel: channelFor(channel, "records"), outboxChannel: channelFor(channel, "outbox") };
}

/** PostgreSQL refuses a NOTIFY or LISTEN channel of 64 bytes or more ("channel name too long"). */
const longestChannel = 63;

/**
 * `<channel>_<purpose>`, or, where that would be too long (a schema of more than 48 characters), the channel cut
 * short with a hash of the whole of it, so two long schemas sharing a prefix keep their channels apart. Names that
 * fit are unchanged, so processes of releases before this one keep hearing each other.
 */
function channelFor(channel: string, purpose: string): string {
  const whole = `${channel}_${purpose}`;
  if (whole.length <= longestChannel) return whole;
  const hash = createHash("sha256").update(channel).digest("hex").slice(0, 12);
  return `${channel.slice(0, longestChannel - purpose.length - hash.length - 2)}_${hash}_${purpose}`;
}
