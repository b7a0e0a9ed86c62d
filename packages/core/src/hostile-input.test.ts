import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { backendFromUrl } from "./backend-url.js";
import { deserializeArgs } from "./envelope/args-serializer.js";
import { decodeEnvelope, encodeEnvelope, ENVELOPE_FORMAT_VERSION } from "./envelope/envelope.js";
import { ConfigurationError } from "./errors/configuration-error.js";
import { HopperError } from "./errors/hopper-error.js";
import { MalformedEnvelopeError } from "./errors/malformed-envelope-error.js";
import { validateQueueName } from "./names.js";
import type { DeadLetter } from "./dead-letters.js";
import { createHopper } from "./hopper.js";
import { Job, type JobClass } from "./job.js";
import { createConsoleLogger } from "./logger.js";
import { createMemoryBackend } from "./memory/memory-backend.js";
import type { WorkerOptions } from "./worker/worker.js";

const validEnvelope = { hopper: ENVELOPE_FORMAT_VERSION, id: "id-1", job: "J", version: 1, args: {}, queue: "q", priority: 0, enqueuedAt: "2026-01-01T00:00:00.000Z", attempt: 1, meta: {} };

function pristinePrototypes(): boolean {
  const probe = {} as Record<string, unknown>;
  return probe.polluted === undefined && probe.isAdmin === undefined && Object.keys(Object.prototype).length === 0;
}

describe("the envelope decoder, fed anything", () => {
  it("either decodes or throws MalformedEnvelopeError, for any string", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 300 }), (body) => {
        try {
          decodeEnvelope(body);
        } catch (error) {
          expect(MalformedEnvelopeError.isInstance(error)).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("either decodes or throws MalformedEnvelopeError, for any JSON value in any field", () => {
    const fields = Object.keys(validEnvelope);
    fc.assert(
      fc.property(fc.constantFrom(...fields), fc.jsonValue({ maxDepth: 4 }), (field, value) => {
        const body = JSON.stringify({ ...validEnvelope, [field]: value });
        try {
          const decoded = decodeEnvelope(body);
          expect(decoded.id.length).toBeGreaterThan(0);
        } catch (error) {
          expect(MalformedEnvelopeError.isInstance(error)).toBe(true);
          if (field !== "args") expect((error as MalformedEnvelopeError).field).toBe(field);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("survives deeply nested args and refuses oversized bodies before parsing", () => {
    const deep = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
    expect(() => decodeEnvelope(JSON.stringify({ ...validEnvelope, args: null }).replace("null", deep))).toThrow(/nested deeper than 256 levels/);
    const bracketsInStrings = JSON.stringify({ ...validEnvelope, args: "[".repeat(1000) });
    expect(decodeEnvelope(bracketsInStrings).args).toBe("[".repeat(1000));
    const huge = "x".repeat(16 * 1024 * 1024 + 1);
    expect(() => decodeEnvelope(huge)).toThrow(/over the decoder's limit/);
  });

  it("counts nesting outside strings only, whatever the strings' escaped quotes and backslashes hide", () => {
    const nested = (depth: number, inner: unknown) => `${"[".repeat(depth - 1)}${JSON.stringify(inner)}${"]".repeat(depth - 1)}`;
    // Strings full of brackets, escaped quotes and trailing backslashes: none of it counts.
    const tricky = ['"[[[{{{', "\\", '\\"[[[', "\\\\", "]]]}}}\\\"[[["];
    // The envelope's own object is the first level: args nested `depth` deep make a body `depth + 1` deep.
    const body = (depth: number) => JSON.stringify({ ...validEnvelope, args: null }).replace("null", nested(depth, tricky));
    expect(decodeEnvelope(body(255)).args).toBeDefined();
    expect(() => decodeEnvelope(body(256))).toThrow(/nested deeper than 256 levels/);
    // Short bodies are not scanned (they cannot open more than 256 brackets) and still fail as JSON where they are not.
    expect(() => decodeEnvelope("[".repeat(256))).toThrow(/not JSON/);
    expect(() => decodeEnvelope("[".repeat(257))).toThrow(/nested deeper than 256 levels/);
  });

  it("never pollutes prototypes through __proto__ or constructor keys", () => {
    const bodies = [
      '{"hopper":1,"id":"a","job":"J","version":1,"args":{"__proto__":{"polluted":true}},"queue":"q","priority":0,"enqueuedAt":"2026-01-01T00:00:00Z","attempt":1,"meta":{"__proto__":"x"}}',
      '{"__proto__":{"isAdmin":true},"hopper":1,"id":"a","job":"J","version":1,"args":{"constructor":{"prototype":{"polluted":1}}},"queue":"q","priority":0,"enqueuedAt":"2026-01-01T00:00:00Z","attempt":1,"meta":{}}',
    ];
    for (const body of bodies) {
      const envelope = decodeEnvelope(body);
      try {
        deserializeArgs({ json: envelope.args, meta: envelope.argsMeta });
      } catch {
        // refusing is fine; polluting is not
      }
      expect(pristinePrototypes()).toBe(true);
    }
  });

  it("never pollutes prototypes through hostile type annotations", () => {
    const paths = ["__proto__.polluted", "constructor.prototype.polluted", "a.__proto__.polluted", "prototype"];
    fc.assert(
      fc.property(fc.constantFrom(...paths), fc.constantFrom("Date", "bigint", "map", "set", "undefined", "regexp"), (path, type) => {
        try {
          deserializeArgs({ json: { a: {} }, meta: { values: { [path]: [type] } } });
        } catch {
          // refused
        }
        expect(pristinePrototypes()).toBe(true);
      }),
    );
  });

  it("round-trips every well-formed envelope exactly", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 3 }), fc.string({ minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 1_000_000 }), (args, id, attempt) => {
        const envelope = { ...validEnvelope, id, args, attempt };
        expect(decodeEnvelope(encodeEnvelope(envelope))).toEqual(JSON.parse(JSON.stringify(envelope)));
      }),
    );
  });
});

describe("names and URLs, fed anything", () => {
  it("accepts only queue names that are safe on every backend", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 80 }), (name) => {
        try {
          validateQueueName(name);
          expect(name).toMatch(/^[A-Za-z][A-Za-z0-9_-]{0,62}$/);
        } catch (error) {
          expect(ConfigurationError.isInstance(error)).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
    for (const hostile of ["a'; DROP TABLE jobs;--", "a b", 'a"b', "q{hopper}", "q\nx", "redis.call('flushall')", "../etc", "ö"]) {
      expect(() => validateQueueName(hostile)).toThrow(ConfigurationError);
    }
  });

  it("turns any URL text into a backend or a ConfigurationError, never a crash", async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ maxLength: 60 }), fc.webUrl(), fc.constantFrom("memory://", "memory://x", "ftp://h", "redis", "://", "pubsub:")), async (text) => {
        try {
          const backend = await backendFromUrl(text);
          await backend.close();
        } catch (error) {
          expect(HopperError.isInstance(error)).toBe(true);
          expect((error as ConfigurationError).field).toBe("url");
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe("identifiers a store keys by", () => {
  it("refuses a NUL in the id, job or queue, and an id longer than 512 characters, naming the field", () => {
    for (const [field, value] of [["id", "a\u0000b"], ["job", "J\u0000"], ["queue", "q\u0000"], ["id", "x".repeat(513)]] as const) {
      expect(() => decodeEnvelope(JSON.stringify({ ...validEnvelope, [field]: value }))).toThrow(MalformedEnvelopeError);
      try {
        decodeEnvelope(JSON.stringify({ ...validEnvelope, [field]: value }));
      } catch (error) {
        expect((error as MalformedEnvelopeError).field).toBe(field);
      }
    }
    expect(decodeEnvelope(JSON.stringify({ ...validEnvelope, id: "x".repeat(512) })).id).toHaveLength(512);
  });
});

/**
 * Sends `body` to `queue` as a raw message (no enqueuer: a hand-made body), runs a worker of `job` on it until a dead
 * letter appears (or 5 s pass), and gives the queue's dead letters.
 */
async function deadLettersOfRawMessage(job: JobClass, queue: string, body: string, workerOptions: WorkerOptions = {}): Promise<DeadLetter[]> {
  const backend = createMemoryBackend();
  const hopper = createHopper({ backend, jobs: [job], logger: createConsoleLogger("silent") });
  try {
    await backend.enqueue([{ id: (JSON.parse(body) as { id: string }).id, queue, body }]);
    const worker = hopper.worker({ handleSignals: false, pollWait: "20ms", ...workerOptions });
    const running = worker.run();
    let letters: DeadLetter[] = [];
    for (let tries = 0; tries < 250 && letters.length === 0; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      letters = await hopper.deadLetters(queue).peek({ max: 10 });
    }
    await worker.stop();
    await running;
    return letters;
  } finally {
    await hopper.close();
  }
}

describe("a hand-made message a worker receives", () => {
  it("whose args annotate a non-text value as a Buffer is dead-lettered at once, not filled to the length it names", async () => {
    class TakesBytes extends Job<{ x: Buffer }> {
      static override queue = "hostile-bytes";
      async perform() {}
    }
    const body = JSON.stringify({ ...validEnvelope, id: "forged-1", job: "TakesBytes", queue: "hostile-bytes", args: { x: { length: 100_000_000 } }, argsMeta: { values: { x: [["custom", "Buffer"]] } } });
    const letters = await deadLettersOfRawMessage(TakesBytes, "hostile-bytes", body);
    expect(letters.map((letter) => letter.id)).toEqual(["forged-1"]);
    expect(letters[0]!.error.message).toContain("must be base64 text");
  });
});

describe("a hand-made hold mark", () => {
  it.each(["garbage", "+275760-09-13T00:00:00.000Z"])("%s as the first sighting of a too-new payload still ends in a dead letter after the longest hold", async (heldSince) => {
    class Versioned extends Job<{ n: number }> {
      static override queue = "hostile-hold";
      async perform() {}
    }
    const body = JSON.stringify({ ...validEnvelope, id: "held-1", job: "Versioned", version: 2, queue: "hostile-hold", args: { n: 1 }, meta: { "hopper.heldSince": heldSince } });
    const letters = await deadLettersOfRawMessage(Versioned, "hostile-hold", body, { newerVersionRetry: 50, newerVersionMaxHold: 300 });
    expect(letters.map((letter) => [letter.id, letter.error.name])).toEqual([["held-1", "PayloadVersionError"]]);
  });
});
