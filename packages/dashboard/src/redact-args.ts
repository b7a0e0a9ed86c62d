import { redactCredentials, type JobRecord } from "@hopper/core";

/** What the Job page shows of a job's args, given its record; return the args, or a copy without what must not be shown. */
export type RedactRecordArgs = (args: unknown, record: JobRecord) => unknown;

/** What a masked value is shown as. */
export const REDACTED = "[redacted]";

// Compared with the key lower-cased and stripped of everything but letters and digits (api_key, X-Api-Key, "private key" → apikey, xapikey, privatekey).
const secretKeyParts = ["password", "passwd", "pwd", "passphrase", "secret", "token", "apikey", "authorization", "cookie", "credential", "privatekey", "accesskey", "sessionid", "signature", "cardnumber", "cvv", "cvc"];
const secretKeys = new Set(["auth", "pass", "pin"]);
// Deeper than an envelope may nest (MAX_NESTING_DEPTH is 256): whatever lies below is masked, never shown.
const maxDepth = 300;

function looksSecret(key: string): boolean {
  const plain = key.toLowerCase().replace(/[^a-z0-9]/g, "");
  return secretKeys.has(plain) || secretKeyParts.some((part) => plain.includes(part));
}

/**
 * The dashboard's default redaction: a copy of `args` with every value under a key that looks like a
 * secret (password, token, apiKey, authorization, cookie, credential, private key, card number…, in any
 * case or spelling, at any depth) replaced by "[redacted]", and credentials inside every string
 * (URL userinfo, `password=` parameters, libpq strings) hidden by `redactCredentials`. Compose it with
 * your own: `redactArgs: (args, record) => defaultRedactArgs(myRedaction(args, record))`.
 */
export function defaultRedactArgs(args: unknown): unknown {
  return redactValue(args, 0);
}

function redactValue(value: unknown, depth: number): unknown {
  if (typeof value === "string") return redactCredentials(value);
  if (typeof value !== "object" || value === null) return value;
  if (depth >= maxDepth) return REDACTED;
  if (Array.isArray(value)) return value.map((item) => redactValue(item, depth + 1));
  const copy: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    // Defined, not assigned: a "__proto__" key in the args stays a plain key of the copy.
    Object.defineProperty(copy, key, { value: looksSecret(key) ? REDACTED : redactValue(inner, depth + 1), enumerable: true, writable: true, configurable: true });
  }
  return copy;
}
