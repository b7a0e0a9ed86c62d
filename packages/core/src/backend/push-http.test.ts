import { once } from "node:events";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { Logger } from "../logger.js";
import { createPushEndpoint, pushAnswer, toFetchHandler, toNodeHandler, type PushHttpAnswer } from "./push-http.js";

describe("push handlers' HTTP plumbing", () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });

  // An answer whose header value HTTP refuses, as an application's callback (a result URL, a token) may give.
  const refusedHeader: PushHttpAnswer = pushAnswer(303, "", { location: "/reports/年次", "x-kept": "no" });

  it("answers 500 in the Node form when a header value is refused, without leaving the rejection unhandled, and goes on serving", async () => {
    let answer = refusedHeader;
    const handler = toNodeHandler(async () => answer);
    const server = createServer((request, response) => {
      // The handler's own promise: a rejection here would be unhandled, and end the process.
      handler(request, response).catch((error: unknown) => {
        response.destroy();
        throw error;
      });
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const refused = await fetch(`${base}/`, { redirect: "manual" });
    expect(refused.status).toBe(500);
    expect(refused.statusText).toBe("Internal Server Error");
    expect(refused.headers.get("x-kept")).toBeNull();
    expect(await refused.text()).toContain("header value");
    answer = pushAnswer(200, "fine");
    const next = await fetch(`${base}/`);
    expect(next.status).toBe(200);
    expect(await next.text()).toBe("fine");
  });

  it("answers 500 in the fetch form when a header value is refused, rather than rejecting", async () => {
    const handler = toFetchHandler(async () => refusedHeader);
    const response = await handler(new Request("http://app.test/"));
    expect(response.status).toBe(500);
    expect(await response.text()).toContain("header value");
  });

  describe("a body read before the handler (a body parser mounted in front of it)", () => {
    /** An endpoint that lets anyone in and answers with the body it read; what it logged goes to `logged`. */
    function echoEndpoint(logged: string[] = []) {
      const logger: Logger = { debug() {}, info() {}, warn() {}, error: (message) => logged.push(message) };
      return createPushEndpoint({ authenticate: () => undefined, maxBodyBytes: 1000, maxConcurrent: 5, logger, handle: async (_request, body) => pushAnswer(200, `got ${body}`) });
    }

    /** A Node server where `parse` consumes each request first, as express.json(), express.raw() or Cloud Functions do. */
    async function nodeServerBehind(parse: (request: IncomingMessage, text: string) => void, handler: ReturnType<typeof toNodeHandler>): Promise<string> {
      const server = createServer((request, response) => {
        const chunks: Buffer[] = [];
        request.on("data", (chunk: Buffer) => chunks.push(chunk));
        request.on("end", () => {
          parse(request, Buffer.concat(chunks).toString("utf8"));
          void handler(request, response);
        });
      });
      server.listen(0, "127.0.0.1");
      await once(server, "listening");
      closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    }

    it("refuses with 500 naming the body parser, logs it, and never hands the job an empty body (express.json())", async () => {
      const logged: string[] = [];
      const url = await nodeServerBehind((request, text) => Object.assign(request, { body: JSON.parse(text), _body: true }), toNodeHandler(echoEndpoint(logged)));
      const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: '{"job":"x"}' });
      expect(response.status).toBe(500);
      expect(await response.text()).toMatch(/read before the handler by a body parser.*mount the handler before/);
      expect(logged.join("\n")).toMatch(/body parser/);
    });

    it("refuses a consumed stream with nothing kept of it (a reader that drops the bytes)", async () => {
      const url = await nodeServerBehind(() => {}, toNodeHandler(echoEndpoint()));
      const response = await fetch(url, { method: "POST", body: "payload" });
      expect(response.status).toBe(500);
      expect(await response.text()).toMatch(/body parser/);
    });

    it("takes the bytes a parser kept: rawBody (Cloud Functions), a Buffer (express.raw()) or text (express.text())", async () => {
      const handler = toNodeHandler(echoEndpoint());
      const kept: [string, (request: IncomingMessage, text: string) => void][] = [
        ["rawBody", (request, text) => Object.assign(request, { rawBody: Buffer.from(text), body: JSON.parse(text) })],
        ["Buffer", (request, text) => Object.assign(request, { body: Buffer.from(text), _body: true })],
        ["text", (request, text) => Object.assign(request, { body: text, _body: true })],
      ];
      for (const [form, parse] of kept) {
        const url = await nodeServerBehind(parse, handler);
        const response = await fetch(url, { method: "POST", body: '{"n":1}' });
        expect(`${form}: ${response.status} ${await response.text()}`).toBe(`${form}: 200 got {"n":1}`);
      }
    });

    it("refuses a fetch Request whose body was already read", async () => {
      const logged: string[] = [];
      const request = new Request("http://app.test/", { method: "POST", body: "payload" });
      await request.text();
      const response = await toFetchHandler(echoEndpoint(logged))(request);
      expect(response.status).toBe(500);
      expect(await response.text()).toMatch(/read before the handler/);
      expect(logged).toHaveLength(1);
    });
  });
});
