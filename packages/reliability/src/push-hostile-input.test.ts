import { randomBytes, randomUUID } from "node:crypto";
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { networkInterfaces } from "node:os";
import { createConsoleLogger, createHopper, encodeEnvelope, ENVELOPE_FORMAT_VERSION, Job, serializeArgs, type DeadLetter } from "@hopper/core";
import { createPubSubPushHandler, createPubSubPushNodeHandler } from "@hopper/pubsub";
import { createSqsdHandler, createSqsdNodeHandler } from "@hopper/sqs";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The push handlers turn a stranger's HTTP POST into a job run: whatever the
// body, they answer with a status (never throw), dead-letter what cannot run
// with the reason, and keep serving. A memory backend takes the dead letters;
// the handlers are the same whichever backend does.

const queue = `hostile${randomBytes(3).toString("hex")}`;
const maxBodyBytes = 64 * 1024;
const secret = "s3cret-header-value";
const urlToken = "sqsd-path-token-0123456789";
const silent = createConsoleLogger("silent");
const ran: unknown[] = [];

class HostileTarget extends Job<Record<string, unknown>> {
  static override queue = queue;
  async perform(args: Record<string, unknown>) {
    ran.push(args);
  }
}

/** Holds its request open until released, to fill a handler's concurrency slots. */
class Blocker extends Job<{ key: string }> {
  static override queue = queue;
  static readonly started = new Map<string, () => void>();
  static readonly releases = new Map<string, Promise<void>>();
  async perform({ key }: { key: string }) {
    Blocker.started.get(key)?.();
    await Blocker.releases.get(key);
  }
}

const hopper = createHopper({ url: `memory://${queue}`, jobs: [HostileTarget, Blocker], logger: silent });

type Post = (body: string | ReadableStream<Uint8Array>, headers?: Record<string, string>) => Promise<number>;

async function serve(handler: (request: IncomingMessage, response: ServerResponse) => Promise<void>, host = "127.0.0.1"): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => void handler(request, response));
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return { server, url: `http://${host}:${(server.address() as AddressInfo).port}/` };
}

function viaHttp(url: string): Post {
  return async (body, headers = {}) => (await fetch(url, { method: "POST", headers, body, ...(typeof body !== "string" && { duplex: "half" }) } as RequestInit)).status;
}

function viaFetchHandler(handler: (request: Request) => Promise<Response>, url = "http://localhost/"): Post {
  return async (body, headers = {}) => (await handler(new Request(url, { method: "POST", headers, body, ...(typeof body !== "string" && { duplex: "half" }) } as RequestInit))).status;
}

/** A body that never ends: a handler that reads it before deciding would never answer (or reads up to its bound first); `pulled` counts what was read. */
function endlessBody(pulled: { bytes: number } = { bytes: 0 }): ReadableStream<Uint8Array> {
  const chunk = new TextEncoder().encode("z".repeat(1024));
  return new ReadableStream<Uint8Array>({
    pull: (controller) => {
      pulled.bytes += chunk.length;
      controller.enqueue(chunk);
    },
  });
}

function blockerEnvelope(key: string): string {
  const serialized = serializeArgs({ key });
  return encodeEnvelope({ hopper: ENVELOPE_FORMAT_VERSION, id: randomUUID(), job: "Blocker", version: 1, args: serialized.json, queue, priority: 0, enqueuedAt: new Date().toISOString(), attempt: 1, meta: {} });
}

const sqsdHeaders = (): Record<string, string> => ({ "x-aws-sqsd-msgid": randomBytes(8).toString("hex"), "x-aws-sqsd-receive-count": "1", "x-hopper-secret": secret });
const pubsubWrapper = (data: string) => JSON.stringify({ message: { data: Buffer.from(data).toString("base64"), messageId: randomBytes(8).toString("hex"), attributes: {} }, subscription: `projects/p/subscriptions/hopper-${queue}` });

/** Bodies a hostile or broken sender may post. */
const hostileBodies = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value)),
  fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value).slice(0, -1)),
  fc.record({ hopper: fc.constantFrom(1, "1", 1e309, -0, null), id: fc.anything(), job: fc.constantFrom("HostileTarget", "Object", "__proto__", "constructor"), version: fc.oneof(fc.integer(), fc.double(), fc.constant(Number.MAX_VALUE)), args: fc.anything(), queue: fc.constant(queue), attempt: fc.oneof(fc.constant(1e308), fc.integer()), enqueuedAt: fc.string(), meta: fc.anything() }).map((value) => JSON.stringify(value)),
  fc.constantFrom(
    "",
    "{",
    '{"__proto__":{"polluted":true}}',
    '{"constructor":{"prototype":{"polluted":true}}}',
    `${"[".repeat(5000)}${"]".repeat(5000)}`,
    `{"hopper":1,"id":"x","job":"HostileTarget","version":1e999,"args":{},"queue":"${queue}","priority":0,"enqueuedAt":"2020-01-01T00:00:00.000Z","attempt":1,"meta":{}}`,
  ),
);

async function takeAllDeadLetters(): Promise<DeadLetter[]> {
  const all: DeadLetter[] = [];
  for (;;) {
    const batch = await hopper.deadLetters(queue).take({ max: 100 });
    if (batch.length === 0) return all;
    all.push(...batch);
  }
}

function expectNoPollution() {
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(Object.prototype.hasOwnProperty.call(Object.prototype, "polluted")).toBe(false);
}

const servers: Server[] = [];
const forms: Record<string, Post> = {};

beforeAll(async () => {
  // The bodies, not who sends them, are under test here: Pub/Sub opts out of OIDC by name (who may post: below).
  const sqsdNode = await serve(createSqsdNodeHandler({ hopper, queue, maxBodyBytes, secret }));
  const pubsubNode = await serve(createPubSubPushNodeHandler({ hopper, queue, maxBodyBytes, insecureNoAuth: true, logger: silent }));
  servers.push(sqsdNode.server, pubsubNode.server);
  forms["sqsd node"] = viaHttp(sqsdNode.url);
  forms["sqsd fetch"] = viaFetchHandler(createSqsdHandler({ hopper, queue, maxBodyBytes, secret, urlToken }), `http://localhost/sqsd/${urlToken}`);
  forms["pubsub node"] = viaHttp(pubsubNode.url);
  forms["pubsub fetch"] = viaFetchHandler(createPubSubPushHandler({ hopper, queue, maxBodyBytes, insecureNoAuth: true, logger: silent }));
});

afterAll(async () => {
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  await hopper.close();
});

describe("push handlers, fed anything", () => {
  for (const form of ["sqsd node", "sqsd fetch", "pubsub node", "pubsub fetch"] as const) {
    const isSqsd = form.startsWith("sqsd");
    it(`${form}: any body that is not a runnable envelope is answered 2xx and dead-lettered with its reason; nothing is lost, nothing polluted`, { timeout: 60_000 }, async () => {
      const post = forms[form]!;
      await takeAllDeadLetters();
      let posted = 0;
      ran.length = 0;
      await fc.assert(
        fc.asyncProperty(hostileBodies, async (body) => {
          const status = isSqsd ? await post(body, sqsdHeaders()) : await post(pubsubWrapper(body), { "content-type": "application/json" });
          posted += 1;
          expect(status).toBe(isSqsd ? 200 : 204);
        }),
        { numRuns: 60 },
      );
      const deadLetters = await takeAllDeadLetters();
      // Every message either ran (a well-formed envelope by chance) or is in the dead letters: none vanished.
      expect(deadLetters.length + ran.length).toBe(posted);
      for (const deadLetter of deadLetters) {
        expect(deadLetter.queue).toBe(queue);
        expect(["malformed envelope", "unknown job", "payload could not be upgraded or validated"]).toContain(deadLetter.reason);
        expect(deadLetter.error.message.length).toBeGreaterThan(0);
      }
      expectNoPollution();
    });

    it(`${form}: refuses a body above ${maxBodyBytes} bytes with 413, with or without a content-length, and runs nothing`, async () => {
      const post = forms[form]!;
      ran.length = 0;
      await takeAllDeadLetters();
      const headers = isSqsd ? sqsdHeaders() : {};
      const big = "x".repeat(maxBodyBytes + 1);
      expect(await post(big, headers)).toBe(413);
      const chunk = new TextEncoder().encode("y".repeat(16 * 1024));
      let sent = 0;
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent++ < 8) controller.enqueue(chunk);
          else controller.close();
        },
      });
      expect(await post(stream, headers)).toBe(413);
      expect(ran).toEqual([]);
      expect(await takeAllDeadLetters()).toEqual([]);
      // Still serving.
      expect(await post(isSqsd ? "{}" : pubsubWrapper("{}"), isSqsd ? sqsdHeaders() : {})).toBe(isSqsd ? 200 : 204);
    });
  }

  for (const form of ["pubsub node", "pubsub fetch"] as const) {
    it(`${form}: a push wrapper with wrong types is answered 400, never 5xx, and nothing runs`, async () => {
      const post = forms[form]!;
      ran.length = 0;
      const wrong: string[] = [
        "not json",
        '{"message":',
        "null",
        "[]",
        '{"message":null}',
        '{"message":{"messageId":1}}',
        '{"message":{"messageId":"m","data":12345}}',
        '{"message":{"messageId":"m","data":{"__proto__":{"polluted":true}}}}',
        '{"message":{"messageId":"m","data":"e30=","attributes":"x"}}',
        '{"message":{"messageId":"m","data":"e30="},"subscription":42}',
        '{"message":{"messageId":"m","data":"e30="}}',
        '{"__proto__":{"polluted":true},"message":{"messageId":{"toString":1}}}',
      ];
      for (const body of wrong) expect({ body, status: await post(body) }).toEqual({ body, status: 400 });
      await fc.assert(
        fc.asyncProperty(fc.jsonValue({ maxDepth: 5 }), async (value) => {
          const status = await post(JSON.stringify(value));
          // 403: a well-formed wrapper naming a subscription other than the handler's.
          expect([204, 400, 403]).toContain(status);
        }),
        { numRuns: 60 },
      );
      expect(ran).toEqual([]);
      await takeAllDeadLetters();
      expectNoPollution();
    });
  }
});

describe("push endpoints: who may post", () => {
  it("sqsd: without the shared secret header, or with a wrong one, 401 and nothing runs", async () => {
    ran.length = 0;
    for (const form of ["sqsd node", "sqsd fetch"]) {
      const { "x-hopper-secret": _secret, ...withoutSecret } = sqsdHeaders();
      expect(await forms[form]!("{}", withoutSecret)).toBe(401);
      expect(await forms[form]!("{}", { ...withoutSecret, "x-hopper-secret": `${secret}x` })).toBe(401);
    }
    expect(ran).toEqual([]);
    expect(await takeAllDeadLetters()).toEqual([]);
  });

  it("sqsd by default: a request from another address is refused with 403, as is one naming another address in a forwarding header", async (context) => {
    ran.length = 0;
    expect(await forms["sqsd node"]!("{}", { ...sqsdHeaders(), "x-forwarded-for": "198.51.100.9" })).toBe(403);
    expect(await forms["sqsd fetch"]!("{}", { ...sqsdHeaders(), "x-real-ip": "198.51.100.9" })).toBe(403);
    const external = Object.values(networkInterfaces()).flat().find((entry) => entry && entry.family === "IPv4" && !entry.internal);
    if (!external) return context.skip();
    const { server, url } = await serve(createSqsdNodeHandler({ hopper, queue, secret }), "0.0.0.0");
    servers.push(server);
    const port = new URL(url).port;
    // From this host's own external address: not loopback, as a request from the network would be.
    const status = await new Promise<number>((resolve, reject) => {
      const request = httpRequest({ host: external.address, port, method: "POST", localAddress: external.address, headers: sqsdHeaders() }, (response) => {
        response.resume();
        resolve(response.statusCode!);
      });
      request.on("error", reject);
      request.end("{}");
    });
    expect(status).toBe(403);
    expect(ran).toEqual([]);
    expect(await takeAllDeadLetters()).toEqual([]);
    expect(await viaHttp(url)("{}", sqsdHeaders())).toBe(200);
    await takeAllDeadLetters();
  });

  it("pubsub: a request without a bearer token is refused with 401 before anything runs", async () => {
    const post = viaFetchHandler(createPubSubPushHandler({ hopper, queue, verify: { audience: "https://example.test/push", serviceAccountEmail: "push@example.iam.gserviceaccount.com" } }));
    ran.length = 0;
    expect(await post(pubsubWrapper("{}"))).toBe(401);
    expect(await post(pubsubWrapper("{}"), { authorization: "Basic abc" })).toBe(401);
    expect(ran).toEqual([]);
    expect(await takeAllDeadLetters()).toEqual([]);
  });

  it("both handlers decide who sent a request before reading its body: an endless unauthenticated body is answered at once", { timeout: 30_000 }, async () => {
    const pubsubVerified = createPubSubPushHandler({ hopper, queue, verify: { audience: "https://example.test/push", serviceAccountEmail: "push@example.iam.gserviceaccount.com" } });
    const pubsubNode = await serve(createPubSubPushNodeHandler({ hopper, queue, verify: { audience: "https://example.test/push", serviceAccountEmail: "push@example.iam.gserviceaccount.com" } }));
    servers.push(pubsubNode.server);
    // Fetch forms: the stream shows how much was read before the answer; a handler that reads up to its bound first (then refuses) reads far more.
    const pubsubPulled = { bytes: 0 };
    expect(await viaFetchHandler(pubsubVerified)(endlessBody(pubsubPulled))).toBe(401);
    expect(pubsubPulled.bytes).toBeLessThan(64 * 1024);
    expect(await viaHttp(pubsubNode.url)(endlessBody())).toBe(401);
    expect(await forms["sqsd node"]!(endlessBody(), { ...sqsdHeaders(), "x-forwarded-for": "198.51.100.9" })).toBe(403);
    const sqsdPulled = { bytes: 0 };
    expect(await viaFetchHandler(createSqsdHandler({ hopper, queue, urlToken }))(endlessBody(sqsdPulled), sqsdHeaders())).toBe(403);
    expect(sqsdPulled.bytes).toBeLessThan(64 * 1024);
    expect(ran).toEqual([]);
  });
});

describe("push endpoints: bounded concurrency", () => {
  const sqsdFetch = createSqsdHandler({ hopper, queue, urlToken, maxConcurrent: 1 });
  const pubsubFetch = createPubSubPushHandler({ hopper, queue, maxConcurrent: 1, insecureNoAuth: true, logger: silent });
  const bounded: Record<string, () => Promise<Post>> = {
    "sqsd node": async () => {
      const { server, url } = await serve(createSqsdNodeHandler({ hopper, queue, maxConcurrent: 1 }));
      servers.push(server);
      return viaHttp(url);
    },
    "sqsd fetch": async () => viaFetchHandler(sqsdFetch, `http://localhost/sqsd/${urlToken}`),
    "pubsub node": async () => {
      const { server, url } = await serve(createPubSubPushNodeHandler({ hopper, queue, maxConcurrent: 1, insecureNoAuth: true, logger: silent }));
      servers.push(server);
      return viaHttp(url);
    },
    "pubsub fetch": async () => viaFetchHandler(pubsubFetch),
  };
  for (const [form, open] of Object.entries(bounded)) {
    const isSqsd = form.startsWith("sqsd");
    it(`${form}: beyond maxConcurrent a request is answered 503 at once (the platform delivers it again) and runs nothing`, async () => {
      const post = await open();
      const wrap = (envelope: string) => (isSqsd ? envelope : pubsubWrapper(envelope));
      const headers = () => (isSqsd ? sqsdHeaders() : { "content-type": "application/json" });
      const key = `${form}-${randomUUID()}`;
      let release!: () => void;
      Blocker.releases.set(key, new Promise<void>((resolve) => (release = resolve)));
      const started = new Promise<void>((resolve) => Blocker.started.set(key, resolve));
      const first = post(wrap(blockerEnvelope(key)), headers());
      await started;
      ran.length = 0;
      // The slot is taken: this one is turned away before its body is read, so it cannot run.
      expect(await post(wrap(JSON.stringify({ hopper: 1 })), headers())).toBe(503);
      release();
      expect(await first).toBe(isSqsd ? 200 : 204);
      // The slot is free again.
      expect(await post(wrap(blockerEnvelope(`${key}-after`)), headers())).toBe(isSqsd ? 200 : 204);
      expect(await takeAllDeadLetters()).toEqual([]);
    });
  }
});
