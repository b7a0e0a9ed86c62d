import { describe, expect, it } from "vitest";
import { defaultRedactArgs, REDACTED } from "./redact-args.js";

describe("defaultRedactArgs", () => {
  it("masks values under keys that look like secrets, at any depth and inside arrays, whatever their case or spelling", () => {
    const args = {
      email: "ada@example.com",
      Password: "hunter2",
      profile: { api_key: "k-1", apiKey: "k-2", "X-Api-Key": "k-3", nickname: "ada", settings: [{ sessionToken: "t-1", theme: "dark" }] },
      headers: { Authorization: "Bearer abc", Cookie: "sid=1", "set-cookie": "sid=2" },
      passwd: 123,
      credentials: { user: "ada", pass: "p" },
      private_key: "-----BEGIN",
      "private key": "x",
      clientSecret: { nested: true },
      auth: "basic",
      author: "Ada",
      cards: [{ cardNumber: "4111 1111 1111 1111", cvv: "123", last4: "1111" }],
    };
    expect(defaultRedactArgs(args)).toEqual({
      email: "ada@example.com",
      Password: REDACTED,
      profile: { api_key: REDACTED, apiKey: REDACTED, "X-Api-Key": REDACTED, nickname: "ada", settings: [{ sessionToken: REDACTED, theme: "dark" }] },
      headers: { Authorization: REDACTED, Cookie: REDACTED, "set-cookie": REDACTED },
      passwd: REDACTED,
      credentials: REDACTED,
      private_key: REDACTED,
      "private key": REDACTED,
      clientSecret: REDACTED,
      auth: REDACTED,
      author: "Ada",
      cards: [{ cardNumber: REDACTED, cvv: REDACTED, last4: "1111" }],
    });
  });

  it("hides credentials inside every string: URL userinfo, parameters, libpq strings, in arrays too", () => {
    const shown = defaultRedactArgs({
      database: "postgres://app:s3cret@db.internal:5432/app",
      mirrors: ["redis://:r3dis@cache:6379", "https://example.com/ok"],
      dsn: "host=db user=app password=p4ss dbname=app",
      link: "https://api.example.com/hook?token=t0k&page=2",
    });
    const text = JSON.stringify(shown);
    for (const secret of ["s3cret", "r3dis", "p4ss", "t0k"]) expect(text).not.toContain(secret);
    expect(shown).toMatchObject({ mirrors: ["redis://***@cache:6379", "https://example.com/ok"], link: "https://api.example.com/hook?token=***&page=2" });
  });

  it("keeps what is not secret as it is, and leaves its input untouched", () => {
    const args = { n: 1, flags: [true, null], nested: { list: [1, "two", { three: 3 }] }, token: "t" };
    const copy = structuredClone(args);
    expect(defaultRedactArgs(args)).toEqual({ ...copy, token: REDACTED });
    expect(args).toEqual(copy);
    expect(defaultRedactArgs("plain")).toBe("plain");
    expect(defaultRedactArgs(null)).toBeNull();
    expect(defaultRedactArgs([{ password: "x" }])).toEqual([{ password: REDACTED }]);
    // A "__proto__" key from parsed JSON stays a key of the copy, redacted inside like any other.
    expect(JSON.stringify(defaultRedactArgs(JSON.parse('{"__proto__":{"password":"x","ok":1}}')))).toBe('{"__proto__":{"password":"[redacted]","ok":1}}');
  });

  it("masks what lies deeper than it walks instead of showing it", () => {
    let deep: unknown = { password: "deep secret" };
    for (let level = 0; level < 300; level++) deep = { next: deep };
    expect(JSON.stringify(defaultRedactArgs(deep))).not.toContain("deep secret");
  });
});
