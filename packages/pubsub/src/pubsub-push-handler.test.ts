import { createSign, generateKeyPairSync, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { PubSub } from "@google-cloud/pubsub";
import { ConfigurationError, createConsoleLogger, createHopper, encodeEnvelope, ENVELOPE_FORMAT_VERSION, Job, serializeArgs, type Hopper, type Logger } from "@hopper/core";
import type { Backend } from "@hopper/core/backend";
import { OAuth2Client } from "google-auth-library";
import { slicedWalk } from "@hopper/conformance";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPubSubPushHandler, createPubSubPushNodeHandler } from "./pubsub-push-handler.js";
import { createPubSubBackend } from "./pubsub-backend.js";
import { createTestBackend, emulatorProject } from "./test-pubsub-service.js";

const project = emulatorProject();
const runs: { id: string; attempt: number; note: string }[] = [];

class PushedJob extends Job<{ note: string; fail?: boolean }> {
  static override queue = `push${Date.now().toString(36)}`;
  async perform({ note, fail }: { note: string; fail?: boolean }, context: { jobId: string; attempt: number }) {
    runs.push({ id: context.jobId, attempt: context.attempt, note });
    if (fail) throw new Error("failing on purpose");
  }
}

function envelopeBody(args: { note: string; fail?: boolean }, extra: { runAt?: string } = {}): { id: string; body: string } {
  const id = randomUUID();
  const serialized = serializeArgs(args);
  const body = encodeEnvelope({
    hopper: ENVELOPE_FORMAT_VERSION,
    id,
    job: "PushedJob",
    version: 1,
    args: serialized.json,
    ...(serialized.meta !== undefined && { argsMeta: serialized.meta }),
    queue: PushedJob.queue,
    priority: 0,
    enqueuedAt: new Date().toISOString(),
    attempt: 1,
    meta: {},
    ...extra,
  });
  return { id, body };
}

function pushJson(body: string, extra: { deliveryAttempt?: number; subscription?: string } = {}): string {
  return JSON.stringify({
    message: { data: Buffer.from(body).toString("base64"), attributes: {}, messageId: String(Date.now()), publishTime: new Date().toISOString() },
    subscription: `projects/${project}/subscriptions/hopper-${PushedJob.queue}`,
    ...extra,
  });
}

/** A logger that keeps what it is told, to check what the handlers say at creation. */
function recordingLogger(): Logger & { readonly lines: string[] } {
  const lines: string[] = [];
  const keep = (message: string) => void lines.push(message);
  return { lines, debug: keep, info: keep, warn: keep, error: keep };
}

async function listen(listener: RequestListener): Promise<{ server: Server; url: string }> {
  const server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
}

/** Serves a fetch-style handler from node:http, as Hono's or Next's adapters do. */
function fetchAdapter(handler: (request: Request) => Promise<Response>): RequestListener {
  return async (request: IncomingMessage, response: ServerResponse) => {
    const body = request.method === "GET" || request.method === "HEAD" ? null : (Readable.toWeb(request) as ReadableStream<Uint8Array>);
    const headers = new Headers(Object.entries(request.headers).flatMap(([name, value]) => (typeof value === "string" ? [[name, value] as [string, string]] : [])));
    const answer = await handler(new Request(`http://127.0.0.1${request.url}`, { method: request.method!, headers, body, duplex: "half" } as RequestInit));
    response.writeHead(answer.status, Object.fromEntries(answer.headers));
    response.end(Buffer.from(await answer.arrayBuffer()));
  };
}

/** An RS256 ID token signed like Google's, served keys included, so verification runs for real against loopback. */
function createTokenIssuer() {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const kid = "test-key";
  const sign = (claims: Record<string, unknown>) => {
    const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
    const now = Math.floor(Date.now() / 1000);
    const unsigned = `${encode({ alg: "RS256", typ: "JWT", kid })}.${encode({ iss: "https://accounts.google.com", iat: now, exp: now + 600, ...claims })}`;
    return `${unsigned}.${createSign("RSA-SHA256").update(unsigned).sign(privateKey).toString("base64url")}`;
  };
  const certs = JSON.stringify({ [kid]: publicKey.export({ type: "spki", format: "pem" }) });
  return { sign, certsListener: ((_request, response) => response.writeHead(200, { "content-type": "application/json", "cache-control": "max-age=600" }).end(certs)) as RequestListener };
}

function unsignedToken(claims: Record<string, unknown>): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const now = Math.floor(Date.now() / 1000);
  return `${encode({ alg: "none", typ: "JWT", kid: "test-key" })}.${encode({ iss: "https://accounts.google.com", iat: now, exp: now + 600, ...claims })}.`;
}

async function post(url: string, body: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: "POST", body, headers: { "content-type": "application/json", ...headers } });
}

describe.skipIf(!project)("Pub/Sub push handlers (real HTTP on loopback, emulator backend)", () => {
  let backend: Backend;
  let hopper: Hopper;
  const servers: Server[] = [];
  let nodeUrl: string;
  let fetchUrl: string;
  let verifiedUrl: string;
  const issuer = createTokenIssuer();
  const intruder = createTokenIssuer();
  const audience = "https://worker.example.com/pubsub";
  const serviceAccountEmail = "push@hopper-test.iam.gserviceaccount.com";
  const insecureLogger = recordingLogger();
  const verifiedLogger = recordingLogger();

  beforeAll(async () => {
    backend = createTestBackend(project!);
    hopper = createHopper({ backend, jobs: [PushedJob], logger: createConsoleLogger("silent") });
    const certs = await listen(issuer.certsListener);
    const verifyClient = new OAuth2Client({ endpoints: { oauth2FederatedSignonPemCertsUrl: `${certs.url}certs` } });
    // The emulator pushes without tokens, so the body-handling forms opt out of verification by name.
    const node = await listen(createPubSubPushNodeHandler({ hopper, queue: PushedJob.queue, maxBodyBytes: 64 * 1024, insecureNoAuth: true, logger: insecureLogger }));
    const fetchStyle = await listen(fetchAdapter(createPubSubPushHandler({ hopper, queue: PushedJob.queue, maxBodyBytes: 64 * 1024, insecureNoAuth: true, logger: insecureLogger })));
    const verified = await listen(createPubSubPushNodeHandler({ hopper, queue: PushedJob.queue, verify: { audience, serviceAccountEmail, client: verifyClient }, logger: verifiedLogger }));
    servers.push(certs.server, node.server, fetchStyle.server, verified.server);
    [nodeUrl, fetchUrl, verifiedUrl] = [node.url, fetchStyle.url, verified.url];
  });

  afterAll(async () => {
    for (const server of servers) server.closeAllConnections();
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    await hopper?.close();
  });

  for (const form of ["node", "fetch"] as const) {
    it(`${form} form: runs the pushed job and answers 2xx`, async () => {
      const { id, body } = envelopeBody({ note: `ok-${form}` });
      const response = await post(form === "node" ? nodeUrl : fetchUrl, pushJson(body));
      expect(response.status).toBe(204);
      expect(runs.filter((run) => run.id === id)).toEqual([{ id, attempt: 1, note: `ok-${form}` }]);
    });

    it(`${form} form: refuses a body above the bound with 413 without running anything`, async () => {
      const before = runs.length;
      const { body } = envelopeBody({ note: "x".repeat(70 * 1024) });
      const response = await post(form === "node" ? nodeUrl : fetchUrl, pushJson(body));
      expect(response.status).toBe(413);
      expect(runs.length).toBe(before);
    });

    it(`${form} form: answers 400 to a body that is not a push message and 405 to a GET`, async () => {
      const url = form === "node" ? nodeUrl : fetchUrl;
      expect((await post(url, "not json")).status).toBe(400);
      expect((await post(url, JSON.stringify({ hello: "world" }))).status).toBe(400);
      expect((await fetch(url)).status).toBe(405);
    });
  }

  it("answers an error status for a message that is not yet due, so Pub/Sub delivers it again later, without running it", async () => {
    const { id, body } = envelopeBody({ note: "early" }, { runAt: new Date(Date.now() + 60_000).toISOString() });
    const response = await post(nodeUrl, pushJson(body));
    expect(response.status).toBe(503);
    expect(Number(response.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(runs.some((run) => run.id === id)).toBe(false);
  });

  it("a failing job is answered 2xx once its retry is re-enqueued through the backend (the core counts attempts)", async () => {
    const { id, body } = envelopeBody({ note: "fails", fail: true });
    const response = await post(nodeUrl, pushJson(body));
    expect(response.status).toBe(204);
    const [retried] = await backend.receive({ queue: PushedJob.queue, maxMessages: 1, waitMs: 5000, leaseMs: 10_000 });
    expect(retried?.id).toBe(id);
    expect(JSON.parse(retried!.body)).toMatchObject({ id, attempt: 2 });
    await retried!.ack();
  });

  describe("OIDC verification", () => {
    const cases: [string, () => Record<string, string>, number][] = [
      ["missing token", () => ({}), 401],
      ["garbage token", () => ({ authorization: "Bearer not.a.token" }), 403],
      ["wrong audience", () => ({ authorization: `Bearer ${issuer.sign({ aud: "https://elsewhere.example.com", email: serviceAccountEmail, email_verified: true })}` }), 403],
      ["another service account", () => ({ authorization: `Bearer ${issuer.sign({ aud: audience, email: "intruder@evil.iam.gserviceaccount.com", email_verified: true })}` }), 403],
      ["expired token", () => ({ authorization: `Bearer ${issuer.sign({ aud: audience, email: serviceAccountEmail, email_verified: true, iat: 1, exp: 2 })}` }), 403],
      ["token without email_verified", () => ({ authorization: `Bearer ${issuer.sign({ aud: audience, email: serviceAccountEmail })}` }), 403],
      ["token with email_verified false", () => ({ authorization: `Bearer ${issuer.sign({ aud: audience, email: serviceAccountEmail, email_verified: false })}` }), 403],
      ["token without email", () => ({ authorization: `Bearer ${issuer.sign({ aud: audience, email_verified: true })}` }), 403],
      ["token for no audience", () => ({ authorization: `Bearer ${issuer.sign({ email: serviceAccountEmail, email_verified: true })}` }), 403],
      ["token signed by another key under the expected key id", () => ({ authorization: `Bearer ${intruder.sign({ aud: audience, email: serviceAccountEmail, email_verified: true })}` }), 403],
      ["unsigned token (alg none)", () => ({ authorization: `Bearer ${unsignedToken({ aud: audience, email: serviceAccountEmail, email_verified: true })}` }), 403],
    ];
    for (const [name, headers, status] of cases) {
      it(`refuses a ${name} with ${status} without running the job`, async () => {
        const { id, body } = envelopeBody({ note: name });
        const response = await post(verifiedUrl, pushJson(body), headers());
        expect(response.status).toBe(status);
        expect(runs.some((run) => run.id === id)).toBe(false);
      });
    }

    it("logs why a token was refused (an audience typo reads apart from a forged token), at most once per reason a minute", async () => {
      const lines: string[] = [];
      const keep = (message: string, fields?: Record<string, unknown>) => void lines.push(`${message} ${JSON.stringify(fields)}`);
      const certs = await listen(issuer.certsListener);
      const verifyClient = new OAuth2Client({ endpoints: { oauth2FederatedSignonPemCertsUrl: `${certs.url}certs` } });
      const handler = await listen(createPubSubPushNodeHandler({ hopper, queue: PushedJob.queue, verify: { audience, serviceAccountEmail, client: verifyClient }, logger: { debug: keep, info: keep, warn: keep, error: keep } }));
      servers.push(certs.server, handler.server);
      const wrongAudience = () => ({ authorization: `Bearer ${issuer.sign({ aud: `${audience}/`, email: serviceAccountEmail, email_verified: true })}` });
      for (let attempt = 0; attempt < 3; attempt++) expect((await post(handler.url, pushJson(envelopeBody({ note: "aud" }).body), wrongAudience())).status).toBe(403);
      const logged = lines.filter((line) => /token refused/.test(line));
      expect(logged).toHaveLength(1);
      expect(logged[0]).toMatch(/"kind":"audience"/);
      // Forged tokens quote what their sender chose in the library's reason: still one line per kind a minute.
      for (let attempt = 0; attempt < 20; attempt++) {
        const header = Buffer.from(JSON.stringify({ alg: "RS256", kid: `kid-${attempt}` })).toString("base64url");
        expect((await post(handler.url, pushJson(envelopeBody({ note: "forged" }).body), { authorization: `Bearer ${header}.e30.c2ln` })).status).toBe(403);
      }
      expect(lines.filter((line) => /token refused/.test(line))).toHaveLength(2);
    });

    it("answers 503 with Retry-After, logged as an error, while Google's signing certificates cannot be fetched (not 403: Pub/Sub delivers again)", async () => {
      const logger = recordingLogger();
      // A certificate endpoint no one listens on: the outage, not the token, is at fault.
      const unreachable = new OAuth2Client({ endpoints: { oauth2FederatedSignonPemCertsUrl: "http://127.0.0.1:1/certs" } });
      const outage = await listen(createPubSubPushNodeHandler({ hopper, queue: PushedJob.queue, verify: { audience, serviceAccountEmail, client: unreachable }, logger }));
      servers.push(outage.server);
      const { id, body } = envelopeBody({ note: "outage" });
      const response = await post(outage.url, pushJson(body), { authorization: `Bearer ${issuer.sign({ aud: audience, email: serviceAccountEmail, email_verified: true })}` });
      expect(response.status).toBe(503);
      expect(response.headers.get("retry-after")).toBe("10");
      expect(logger.lines.join("\n")).toMatch(/certificates/);
      expect(runs.some((run) => run.id === id)).toBe(false);
    });

    it("runs the job for a valid token from the expected service account", async () => {
      const { id, body } = envelopeBody({ note: "signed" });
      const token = issuer.sign({ aud: audience, email: serviceAccountEmail, email_verified: true });
      const response = await post(verifiedUrl, pushJson(body), { authorization: `Bearer ${token}` });
      expect(response.status).toBe(204);
      expect(runs.filter((run) => run.id === id)).toHaveLength(1);
    });
  });

  describe("fails closed at creation", () => {
    const verify = { audience, serviceAccountEmail };
    const cases: [string, Record<string, unknown>, string][] = [
      ["neither verify nor insecureNoAuth", {}, "verify"],
      ["verify without an audience", { verify: { serviceAccountEmail } }, "verify.audience"],
      ["verify with an empty audience", { verify: { audience: "", serviceAccountEmail } }, "verify.audience"],
      ["verify without a service account", { verify: { audience } }, "verify.serviceAccountEmail"],
      ["verify with an empty service account", { verify: { audience, serviceAccountEmail: " " } }, "verify.serviceAccountEmail"],
      ["both verify and insecureNoAuth", { verify, insecureNoAuth: true }, "insecureNoAuth"],
      ["insecureNoAuth other than true", { insecureNoAuth: "yes" }, "insecureNoAuth"],
      ["no queue", { verify, queue: undefined }, "queue"],
      ["maxConcurrent of 0", { verify, maxConcurrent: 0 }, "maxConcurrent"],
    ];
    for (const [name, options, field] of cases) {
      it(`refuses ${name} with a ConfigurationError naming ${field}`, () => {
        for (const create of [createPubSubPushHandler, createPubSubPushNodeHandler] as const) {
          let thrown: unknown;
          try {
            create({ hopper, queue: PushedJob.queue, ...options } as Parameters<typeof create>[0]);
          } catch (error) {
            thrown = error;
          }
          expect(ConfigurationError.isInstance(thrown)).toBe(true);
          expect((thrown as ConfigurationError).field).toBe(field);
        }
      });
    }

    it("insecureNoAuth is said loudly when the handler is created", () => {
      expect(insecureLogger.lines.filter((line) => /insecureNoAuth/.test(line) && /anyone/.test(line))).toHaveLength(2);
    });
  });

  it("refuses with 403 a body naming another subscription, runs nothing and creates no topic for that name", async () => {
    const { id, body } = envelopeBody({ note: "elsewhere" });
    const other = `intruder${randomUUID().slice(0, 8)}`;
    const token = issuer.sign({ aud: audience, email: serviceAccountEmail, email_verified: true });
    for (const subscription of [`projects/${project}/subscriptions/hopper-${other}`, `projects/${project}/subscriptions/${other}`]) {
      const response = await post(verifiedUrl, pushJson(body, { subscription }), { authorization: `Bearer ${token}` });
      expect(response.status).toBe(403);
    }
    const withoutSubscription = JSON.parse(pushJson(body)) as Record<string, unknown>;
    delete withoutSubscription.subscription;
    expect((await post(verifiedUrl, JSON.stringify(withoutSubscription), { authorization: `Bearer ${token}` })).status).toBe(400);
    expect(runs.some((run) => run.id === id)).toBe(false);
    // The operator learns why: one warning per refused push.
    expect(verifiedLogger.lines.filter((line) => line.includes("another subscription"))).toHaveLength(2);
    const pubsub = new PubSub({ projectId: project! });
    try {
      const [topics] = await pubsub.getTopics();
      expect(topics.map((topic) => topic.name).filter((name) => name.includes(other))).toEqual([]);
    } finally {
      await pubsub.close();
    }
  });

  it("an iterable job whose slice time is shorter than the job re-publishes itself with its cursor; the emulator pushes every slice until it finishes", async () => {
    const pubsub = new PubSub({ projectId: project! });
    const topicPrefix = `slices${randomUUID().slice(0, 6)}-`;
    const queue = "walk";
    const walk = slicedWalk(queue);
    const slicedBackend = createPubSubBackend({ projectId: project!, topicPrefix });
    const slicedHopper = createHopper({ backend: slicedBackend, jobs: [walk.job], logger: createConsoleLogger("silent") });
    const endpoint = await listen(createPubSubPushNodeHandler({ hopper: slicedHopper, queue, topicPrefix, insecureNoAuth: true, logger: recordingLogger() }));
    servers.push(endpoint.server);
    const id = `${topicPrefix}${queue}`;
    try {
      // As deployed: the queue's own subscription is the push subscription; the backend finds both and publishes to the topic.
      const [topic] = await pubsub.createTopic(id);
      await topic.createSubscription(id, { pushConfig: { pushEndpoint: endpoint.url }, ackDeadlineSeconds: 30 });
      await walk.job.performLater({ count: walk.itemCount });
      const deadline = Date.now() + 60_000;
      while (walk.finished() === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(walk.finished()).toBe(1);
      walk.expectWalkedInSlices();
    } finally {
      await pubsub.subscription(id).delete().catch(() => {});
      await pubsub.topic(id).delete().catch(() => {});
      await slicedHopper.close();
      await pubsub.close();
    }
  });

  it("the emulator's push subscription delivers to the handler, which runs the job", async () => {
    const { id, body } = envelopeBody({ note: "from the emulator" });
    const pubsub = new PubSub({ projectId: project! });
    const topicId = `pushtopic-${randomUUID().slice(0, 8)}`;
    // A handler for that subscription: the queue is the handler's, the subscription only has to match.
    const subscribed = await listen(createPubSubPushNodeHandler({ hopper, queue: PushedJob.queue, subscription: `${topicId}-push`, insecureNoAuth: true, logger: recordingLogger() }));
    servers.push(subscribed.server);
    try {
      const [topic] = await pubsub.createTopic(topicId);
      await topic.createSubscription(`${topicId}-push`, { pushConfig: { pushEndpoint: subscribed.url } });
      await topic.publishMessage({ data: Buffer.from(body) });
      const deadline = Date.now() + 20_000;
      while (!runs.some((run) => run.id === id) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(runs.filter((run) => run.id === id).map((run) => run.note)).toContain("from the emulator");
    } finally {
      await pubsub.subscription(`${topicId}-push`).delete().catch(() => {});
      await pubsub.topic(topicId).delete().catch(() => {});
      await pubsub.close();
    }
  });
});
