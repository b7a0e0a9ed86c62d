import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { pushAnswer, toFetchHandler, toNodeHandler, type PushHttpAnswer } from "./push-http.js";

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
});
