import { inspect } from "node:util";

// Every pattern below is bounded (a scheme of at most 32 characters that starts a word, userinfo of at most 512,
// at most 8 spaces around a separator), so redacting text of any length is linear: an error message quoting user
// input must not make a worker spend minutes in a regular expression.
// Userinfo of a URL (`redis://user:secret@host`, `redis://token@host`). A password after `user:` runs to the last `@`
// on its line before a quote: typed or generated unencoded, it may hold `/`, `@` or a space (over-reaching into text
// after the URL hides too much, never too little; a URL quoted in JSON ends at its quote). Without a `:`, the userinfo holds no `/`, so a path's `@` (`file:///…/@scope/pkg`,
// `.pnpm/pkg@1.0.0` in a stack trace) is none.
const scheme = "(?<![a-z0-9+.-])[a-z][a-z0-9+.-]{0,31}";
const urlUserinfo = new RegExp(`(${scheme}:\\/\\/)(?:[^\\s/<>@:]{0,256}:[^\\r\\n"'<>]{0,512}|[^\\s/<>"']{0,512})@`, "gi");
// The same percent-encoded inside another URL's parameter (`?endpoint=http%3A%2F%2Fkey%3Asecret%40host`), to the
// parameter's last encoded `@` (a password may hold an encoded `/` or `@`).
const encodedUrlUserinfo = new RegExp(`(${scheme}%3A%2F%2F)[^\\s&"'<>]{0,512}%40`, "gi");
// A secret given as a parameter or a field: `?password=…`, `&token=…`, `api_key=…`, `sig=…`, a signed URL's signature,
// libpq's `host=db password=secret` or `password='a b'`, encoded (`password%3D…`), JSON (`"password":"…"`), or an object
// as Node prints it (`password: '…'`).
const secretParameter =
  /((?:password|passwd|pwd|\bpass|secret|token|sslpassword|secret_?access_?key|session_?token|private_?key|api[_-]?key|signature|\bsig)["']?[ \t]{0,8}(?:=|%3D|:)[ \t]{0,8})(?:'(?:[^'\\]|\\.){0,4096}'|"(?:[^"\\]|\\.){0,4096}"|[^\s&;,"'<>]{0,4096})/gi;
// An HTTP credential: an Authorization header's value after its scheme word (Basic, Bearer, Negotiate, …), or a bearer
// token quoted alone.
const authorization = /(authorization["']?[ \t]{0,8}[:=][ \t]{0,8}["']?(?:[a-z0-9-]{1,32}[ \t]{1,8})?)[^\s,;"'<>)]{1,8192}/gi;
const bearerToken = /(\bbearer[ \t]{1,8})[a-z0-9\-._~+/]{8,8192}=*/gi;

/** Hides credentials in text that may quote a connection string, a header or a configuration, in every syntax a user may write one. */
export function redactSecrets(text: string): string {
  return text
    .replace(urlUserinfo, "$1***@")
    .replace(encodedUrlUserinfo, "$1***%40")
    .replace(secretParameter, "$1***")
    .replace(authorization, "$1***")
    .replace(bearerToken, "$1***");
}

// The fields that say what went wrong with a connection; everything else a driver attaches (requests, options, responses) is dropped.
const diagnosticFields = ["code", "errno", "syscall", "address", "port", "hostname"] as const;

/** Longest error name kept: a class name, not a payload. */
const maxErrorNameChars = 200;

/**
 * An error's `name` fit to show: a string, redacted and bounded. It is set by whatever threw, so it may be anything
 * (a URL with a password, megabytes of text, a number), and records, dead letters and dashboards show it.
 */
export function safeErrorName(name: unknown): string {
  const text = typeof name === "string" ? name : name === undefined ? "Error" : String(name);
  return redactSecrets(text).slice(0, maxErrorNameChars);
}

/**
 * A copy of `error` safe to show anywhere: name, message, stack and the
 * diagnostic fields, redacted, with its cause chain treated the same way.
 * Drivers' errors may carry their options or request (with a password) as
 * properties that `util.inspect` prints; the copy has none of them.
 */
export function sanitizedError(error: unknown, depth = 0): Error {
  const source = error instanceof Error ? error : new Error(redactSecrets(String(error)));
  const cause = depth < 5 && source.cause !== undefined ? { cause: sanitizedError(source.cause, depth + 1) } : undefined;
  const copy = new Error(redactSecrets(source.message), cause);
  copy.name = safeErrorName(source.name);
  copy.stack = source.stack === undefined ? undefined : redactSecrets(source.stack);
  const fields = copy as unknown as Record<string, unknown>;
  for (const field of diagnosticFields) {
    const value = (source as unknown as Record<string, unknown>)[field];
    if (typeof value === "string") fields[field] = redactSecrets(value);
    else if (typeof value === "number") fields[field] = value;
  }
  if (depth < 5 && source instanceof AggregateError) fields.errors = source.errors.slice(0, 10).map((inner) => sanitizedError(inner, depth + 1));
  return copy;
}

/**
 * `value` itself when nothing in it looks like a secret, else a sanitized copy (an error), the redacted text (a
 * string), or, for any other object (a log field's config, a list), its printed form redacted. The check prints the
 * whole value (every level of a cause chain or an object), so nothing deeper than it looked passes unseen.
 */
export function redactValue(value: unknown): unknown {
  if (typeof value === "string") return redactSecrets(value);
  if (typeof value !== "object" || value === null) return value;
  const shown = inspect(value, { depth: Infinity, breakLength: Infinity });
  if (redactSecrets(shown) === shown) return value;
  return value instanceof Error ? sanitizedError(value) : redactSecrets(shown);
}
