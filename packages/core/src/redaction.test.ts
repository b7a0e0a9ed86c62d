import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { ConfigurationError } from "./errors/configuration-error.js";
import { EnqueueFailedError } from "./errors/enqueue-failed-error.js";
import { createHopper } from "./hopper.js";
import { Job } from "./job.js";
import { createConsoleLogger, redactingLogger, type Logger } from "./logger.js";
import { createMemoryBackend } from "./memory/memory-backend.js";
import { redactSecrets } from "./redaction.js";

const secret = "Sup3rSecretValue";

describe("connection strings lose their secrets in every syntax a user may write", () => {
  it.each([
    `redis://:${secret}@cache:6379`,
    `rediss://:${secret}@cache:6380/0`,
    `redis://default:${secret}@cache:6379`,
    `postgres://app:${secret}@db:5432/app`,
    `postgresql://app:${encodeURIComponent(`${secret}@/:`)}@db/app`,
    `postgres://app@db/app?sslmode=require&password=${secret}`,
    `host=db user=app password=${secret} dbname=app`,
    `host=db password='${secret} with spaces' dbname=app`,
    `sqs://us-east-1/app-?endpoint=${encodeURIComponent(`http://key:${secret}@sqs.local:9324`)}`,
    `https://AKIDEXAMPLE:${secret}@sqs.us-east-1.amazonaws.com/123/queue`,
    `connect failed for redis://:${secret}@cache:6379 (after 3 tries)`,
    // Passwords as generated (base64: slashes, pluses) or typed (an @, a quote), unencoded in the URL.
    `redis://default:ab/${secret}+ef==@cache.example:6379`,
    `postgres://app:${secret}@x@db/app`,
    `redis://u:pa'-${secret}@h:6379`.replace("'", "!"),
    // A space typed into a password: the URL parser accepts it (and encodes it), so an error may quote it as typed.
    `connect failed for redis://default:two words ${secret}@cache:6379 (after 3 tries)`,
    `postgres://app:${secret} x@db/app`,
    `Authorization: Negotiate ${secret}`,
    `https://acct.blob.core.windows.net/c/b?sv=2024&sig=${secret}`,
    `{"private_key":"${secret}"}`,
    `http%3A%2F%2Fkey%3Asec%2F${secret}%40host`,
    `sqs://AKIAEXAMPLE:wJal/${secret}@us-east-1/app-`,
    // Other forms a secret takes in an error's text: headers, JSON, an object as Node prints it, keys and signatures.
    `request failed: Authorization: Bearer ${secret}`,
    `401 from upstream (authorization=Basic ${secret})`,
    `sent with Bearer ${secret}.x.y`,
    `{"user":"app","password":"${secret}"}`,
    `{ host: 'db', password: '${secret}' }`,
    `GET /v1/things?api_key=${secret}&page=2`,
    `https://bucket.s3.amazonaws.com/x?X-Amz-Signature=${secret}&X-Amz-Expires=60`,
    `https://storage.googleapis.com/b/o?X-Goog-Signature=${secret}`,
  ])("%s", (text) => {
    const redacted = redactSecrets(text);
    expect(redacted).not.toContain(secret);
    expect(redacted).not.toContain(encodeURIComponent(secret));
    expect(redacted).toContain("***");
  });

  it("leaves text without credentials alone", () => {
    for (const text of [
      "redis://cache:6379/0",
      "postgres://db/app?sslmode=require",
      "sqs://us-east-1/app-",
      "job failed: user@example.com not found",
      "Basic authentication failed for the bearer token",
      "the password is too short",
      // Stack traces: a package manager's store and scoped packages put an @ in paths.
      "    at run (file:///app/node_modules/.pnpm/vitest@5.1.2/node_modules/vitest/dist/index.js:10:3)",
      "    at perform (file:///app/node_modules/@hopper/core/dist/job.js:4:1)",
      // A URL quoted in JSON ends at its quote: the fields after it stay.
      '{"endpoint":"http://localhost:9324","queue":"q","owner":"bob@example.com"}',
    ])
      expect(redactSecrets(text)).toBe(text);
  });

  it("finishes in linear time on text built to make a pattern backtrack (an error may quote any input)", { timeout: 20_000 }, () => {
    const n = 200_000;
    for (const text of ["a://a:".repeat(n / 6), "a://".repeat(n / 4), `authorization:${" ".repeat(n)}`, "a".repeat(n), "ab1".repeat(n / 3), `password=${"'".repeat(n)}`, `bearer ${"a".repeat(n)}`, "%3A%2F%2F".repeat(n / 9)]) {
      expect(typeof redactSecrets(text)).toBe("string");
    }
  });

  it("redacts log fields that hold objects and arrays, at any depth it reaches, and errors deeper than the check looked", () => {
    const lines: Record<string, unknown>[] = [];
    const capture: Logger = { debug() {}, info: (_message, fields) => void lines.push(fields ?? {}), warn() {}, error: (_message, fields) => void lines.push(fields ?? {}) };
    const logger = redactingLogger(capture);
    logger.info("connecting", { config: { dsn: `redis://u:${secret}@h`, nested: [{ password: secret }] }, list: [`postgres://a:${secret}@db`], count: 3 });
    let deep: Error = new Error(`redis://u:${secret}@h`);
    for (let level = 0; level < 9; level++) deep = new Error(`level ${level}`, { cause: deep });
    const withOptions = Object.assign(new Error("connection refused"), { options: { host: "db", password: secret } });
    logger.error("failed", { error: deep, other: withOptions });
    const printed = inspect(lines, { depth: Infinity });
    expect(printed).not.toContain(secret);
    expect(lines[0]!.count).toBe(3);
    // A field with nothing secret is passed as it was given.
    const plain = { queue: "mail", ids: ["a", "b"] };
    logger.info("plain", { plain });
    expect(lines[2]!.plain).toBe(plain);
  });
});

describe("errors Hopper throws or logs carry no secret, even through util.inspect", () => {
  it("an unparsable URL: its ConfigurationError's cause (Node keeps the input on it) is sanitized", async () => {
    const hopper = createHopper({ url: `postgres://app:${secret}@[not-a-host/app`, jobs: [], logger: createConsoleLogger("silent") });
    const error = await hopper.backend.then(() => undefined, (caught: unknown) => caught);
    expect(ConfigurationError.isInstance(error)).toBe(true);
    expect(inspect(error, { depth: 10, showHidden: true })).not.toContain(secret);
    await hopper.close();
  });

  it("the logger replaces an error holding a connection string in a cause or a driver's own property", () => {
    const lines: unknown[] = [];
    const sink: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: (_message, fields) => void lines.push(fields) };
    const driverError = Object.assign(new Error("connect ECONNREFUSED 10.0.0.5:5432"), { code: "ECONNREFUSED", options: { connectionString: `postgres://app:${secret}@10.0.0.5/app` } });
    const wrapped = new Error("open failed", { cause: new Error(`retrying host=10.0.0.5 password=${secret}`) });
    redactingLogger(sink).error("cannot reach the backend", { error: driverError, other: wrapped });
    const shown = inspect(lines, { depth: 10, showHidden: true });
    expect(shown).not.toContain(secret);
    expect(shown).toContain("ECONNREFUSED");
  });

  it("an EnqueueFailedError quoting a backend's per-message error shows no secret, and keeps the error's class when it holds none", async () => {
    class Quiet extends Job<{ n: number }> {
      static override queue = "redact-enqueue";
      async perform() {}
    }
    const memory = createMemoryBackend({ store: `redact-enqueue-${Date.now().toString(36)}` });
    const refusing = { ...memory, enqueue: async (messages: readonly { id: string }[]) => messages.map((message, index) => ({ status: "failed" as const, id: message.id, error: index === 0 ? new Error(`refused by redis://:${secret}@cache:6379`) : new ConfigurationError({ field: "x", message: "plain" }) })) };
    const hopper = createHopper({ backend: refusing, jobs: [Quiet], logger: createConsoleLogger("silent") });
    try {
      const error = await Quiet.performAllLater([{ n: 1 }, { n: 2 }]).then(() => undefined, (caught: unknown) => caught);
      expect(EnqueueFailedError.isInstance(error)).toBe(true);
      expect(inspect(error, { depth: 10, showHidden: true })).not.toContain(secret);
      expect(ConfigurationError.isInstance((error as EnqueueFailedError).failures[1]?.error)).toBe(true);
    } finally {
      await hopper.close();
    }
  });

  it("a dead letter keeps the failed job's error message without the password it quoted", async () => {
    const queue = `redact-${Date.now().toString(36)}`;
    class Leaky extends Job<Record<string, never>> {
      static override queue = queue;
      static override retry = { attempts: 1 };
      async perform() {
        throw new Error(`could not connect to postgres://app:${secret}@db/app`);
      }
    }
    const hopper = createHopper({ backend: createMemoryBackend({ store: queue }), jobs: [Leaky], logger: createConsoleLogger("silent") });
    try {
      await Leaky.performLater({});
      const worker = hopper.worker({ queues: [queue], handleSignals: false, pollWait: "50ms" });
      const running = worker.run();
      let letters: Awaited<ReturnType<ReturnType<typeof hopper.deadLetters>["peek"]>> = [];
      const deadline = Date.now() + 10_000;
      while (letters.length === 0 && Date.now() < deadline) letters = await hopper.deadLetters(queue).peek({ waitMs: 100 });
      await worker.stop();
      await running;
      expect(letters[0]?.error.message).toMatch(/could not connect to postgres:\/\/\*\*\*@db\/app/);
      expect(JSON.stringify(letters)).not.toContain(secret);
    } finally {
      await hopper.close();
    }
  });
});
