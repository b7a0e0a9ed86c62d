import { ConfigurationError } from "../errors/configuration-error.js";

/** Where a listing stopped: the last record's sort time (epoch ms) and id. */
export interface RecordCursor {
  readonly at: number;
  readonly id: string;
}

const maxCursorChars = 2048;

/** The opaque `next` of a record page (base64url JSON, safe in a URL). */
export function encodeRecordCursor(cursor: RecordCursor): string {
  return Buffer.from(JSON.stringify([cursor.at, cursor.id])).toString("base64url");
}

/** Reads a cursor back; anything a store did not make is a ConfigurationError naming `after`. */
export function decodeRecordCursor(text: string): RecordCursor {
  const refuse = () => new ConfigurationError({ field: "after", message: "is not a cursor this record store made: pass the `next` of the page before, or leave it out for the first page" });
  if (typeof text !== "string" || text.length > maxCursorChars) throw refuse();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, "base64url").toString("utf8"));
  } catch {
    throw refuse();
  }
  if (!Array.isArray(parsed) || parsed.length !== 2 || !Number.isSafeInteger(parsed[0]) || typeof parsed[1] !== "string") throw refuse();
  return { at: parsed[0] as number, id: parsed[1] as string };
}
