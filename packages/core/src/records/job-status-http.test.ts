import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigurationError, createConsoleLogger, createHopper, createJobStatusHandler, Job, type Hopper, type JobRecord } from "@hopper/core";
import { headerSafeUrl } from "./job-status-http.js";

class BuildReport extends Job<{ month: string }, { reportId: string }> {
  static override queue = "status-http-reports";
  async perform({ month }: { month: string }) {
    return { reportId: `r-${month}` };
  }
}

describe("the job status handler (202 pattern)", () => {
  const opened: { close(): Promise<void> | void }[] = [];
  afterEach(async () => {
    for (const resource of opened.splice(0).reverse()) await resource.close();
  });
  const setUp = async () => {
    const hopper: Hopper = createHopper({ url: "memory://status-http", jobs: [BuildReport], records: {}, logger: createConsoleLogger("silent") });
    opened.push(hopper);
    const handler = createJobStatusHandler({ jobs: hopper.jobs, resultUrl: (record) => `/reports/${(record.result as { reportId: string }).reportId}` });
    return { hopper, handler };
  };
  /** Serves the handler's Node form on a port of its own; gives its base URL. */
  const serve = async (handler: { node: (request: IncomingMessage, response: ServerResponse) => Promise<void> }) => {
    const server: Server = createServer((request, response) => void handler.node(request, response));
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    opened.push({ close: () => new Promise<void>((resolve) => server.close(() => resolve())) });
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };
  const runAll = async (hopper: Hopper, id: string) => {
    const worker = hopper.worker({ handleSignals: false, pollWait: 50 });
    const running = worker.run();
    await hopper.jobs.wait(id, { timeout: "20s" });
    await worker.stop();
    await running;
  };

  it("answers the record while the job is pending, then 303 to the result (fetch form)", async () => {
    const { hopper, handler } = await setUp();
    const id = await BuildReport.performLater({ month: "2026-11" });
    const pending = await handler.fetch(new Request(`http://app.test/api/jobs/${id}`));
    expect(pending.status).toBe(200);
    expect(pending.headers.get("retry-after")).toBe("1");
    expect(pending.headers.get("cache-control")).toBe("no-store");
    const body = await pending.json();
    expect(body).toMatchObject({ id, job: "BuildReport", state: "waiting", attempt: 0 });
    // The job's args are for operators (the dashboard), not for whoever polls the status URL.
    expect(body).not.toHaveProperty("args");
    expect((await hopper.jobs.get(id))?.args).toMatchObject({ kept: true });
    await runAll(hopper, id);
    const done = await handler.fetch(new Request(`http://app.test/api/jobs/${id}`));
    expect(done.status).toBe(303);
    expect(done.headers.get("location")).toBe("/reports/r-2026-11");
    expect(await done.json()).toMatchObject({ state: "succeeded", result: { reportId: "r-2026-11" } });
    expect((await handler.fetch(new Request("http://app.test/api/jobs/nope"))).status).toBe(404);
    expect((await handler.fetch(new Request(`http://app.test/api/jobs/${id}`, { method: "DELETE" }))).status).toBe(405);
    expect((await handler.fetch(new Request("http://app.test/api/jobs/%E0%A4%A"))).status).toBe(400);
  });

  it("serves Node's http (and so Express) with the same answers", async () => {
    const { hopper, handler } = await setUp();
    const base = await serve(handler);
    const id = await BuildReport.performLater({ month: "2026-12" });
    await runAll(hopper, id);
    const done = await fetch(`${base}/jobs/${id}`, { redirect: "manual" });
    expect(done.status).toBe(303);
    expect(done.headers.get("location")).toBe("/reports/r-2026-12");
    const unknown = await fetch(`${base}/jobs/unknown-id`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ error: "no such job", id: "unknown-id" });
  });

  it("sends a result URL built from a job's data as a header can carry it, in both forms, and answers 500 (not a crash) for one it cannot", async () => {
    const { hopper } = await setUp();
    let resultUrl: (record: JobRecord) => string | undefined = (record) => `/reports/年次 ${(record.result as { reportId: string }).reportId}`;
    const handler = createJobStatusHandler({ jobs: hopper.jobs, resultUrl: (record) => resultUrl(record) });
    const base = await serve(handler);
    const id = await BuildReport.performLater({ month: "2027-02" });
    await runAll(hopper, id);
    const expected = "/reports/%E5%B9%B4%E6%AC%A1%20r-2027-02";
    const viaNode = await fetch(`${base}/jobs/${id}`, { redirect: "manual" });
    expect(viaNode.status).toBe(303);
    expect(viaNode.headers.get("location")).toBe(expected);
    expect(viaNode.headers.get("x-content-type-options")).toBe("nosniff");
    const viaFetch = await handler.fetch(new Request(`http://app.test/jobs/${id}`));
    expect(viaFetch.headers.get("location")).toBe(expected);
    // A header injection attempt stays inside the one header, encoded.
    resultUrl = () => "/r\r\nset-cookie: a=b";
    const injected = await handler.fetch(new Request(`http://app.test/jobs/${id}`));
    expect(injected.headers.get("location")).toBe("/r%0D%0Aset-cookie:%20a=b");
    expect(injected.headers.get("set-cookie")).toBeNull();
    // A URL no header can carry, or no URL at all: 500 naming resultUrl, and the server answers the next request.
    const throwing = () => {
      throw new Error("reportId missing at db.internal:5432");
    };
    for (const unusable of [() => "/r/\ud800", () => "", () => 42 as unknown as string, throwing]) {
      resultUrl = unusable;
      const answer = await fetch(`${base}/jobs/${id}`, { redirect: "manual" });
      expect(answer.status).toBe(500);
      const { error } = (await answer.json()) as { error: string };
      expect(error).toContain("resultUrl");
      expect(error).not.toContain("db.internal");
    }
    resultUrl = () => "/fine";
    expect((await fetch(`${base}/jobs/${id}`, { redirect: "manual" })).headers.get("location")).toBe("/fine");
  });

  it("percent-encodes only what a header cannot carry, leaving existing escapes single", () => {
    expect(headerSafeUrl("/a%20b?x=1&y=é")).toBe("/a%20b?x=1&y=%C3%A9");
    expect(headerSafeUrl("https://example.test/ok")).toBe("https://example.test/ok");
    expect(headerSafeUrl("/emoji/😀")).toBe("/emoji/%F0%9F%98%80");
    expect(headerSafeUrl("/lone/\udc00")).toBeUndefined();
  });

  it("answers 200 with the record for a succeeded job when no resultUrl is given, and refuses a handler without jobs", async () => {
    const { hopper } = await setUp();
    const plain = createJobStatusHandler({ jobs: hopper.jobs });
    const id = await BuildReport.performLater({ month: "2027-01" });
    await runAll(hopper, id);
    const answer = await plain.fetch(new Request(`http://app.test/jobs/${id}`));
    expect(answer.status).toBe(200);
    expect(answer.headers.get("retry-after")).toBeNull();
    expect(() => createJobStatusHandler({} as never)).toThrow(ConfigurationError);
  });

  it("answers a trailing slash as the same job (Express's /jobs/:id matches it too)", async () => {
    const { hopper, handler } = await setUp();
    const base = await serve(handler);
    const id = await BuildReport.performLater({ month: "2026-11" });
    await runAll(hopper, id);
    const slashed = await fetch(`${base}/jobs/${id}/`, { redirect: "manual" });
    expect(slashed.status).toBe(303);
    expect(slashed.headers.get("location")).toBe("/reports/r-2026-11");
  });

  it("answers 503 JSON with Retry-After when the record store cannot answer, and logs it; 404 for an id no job can have, without asking the store", async () => {
    const logged: string[] = [];
    const logger = { debug() {}, info() {}, warn: (message: string) => void logged.push(message), error: (message: string) => void logged.push(message) };
    // Records on a Redis no one listens on: every read fails, as a store that is down does.
    const hopper = createHopper({ url: "redis://127.0.0.1:1", jobs: [BuildReport], records: {}, connectTimeout: "300ms", logger: createConsoleLogger("silent") });
    opened.push(hopper);
    const handler = createJobStatusHandler({ jobs: hopper.jobs, logger });
    for (const form of ["node", "fetch"] as const) {
      const answer = form === "node" ? await fetch(`${await serve(handler)}/jobs/some-job-id`) : await handler.fetch(new Request("http://app.test/jobs/some-job-id"));
      expect({ form, status: answer.status, type: answer.headers.get("content-type"), retryAfter: answer.headers.get("retry-after") }).toEqual({ form, status: 503, type: "application/json; charset=utf-8", retryAfter: "5" });
      expect(await answer.json()).toMatchObject({ error: expect.stringMatching(/could not be read/) });
    }
    // One line for the three failed polls: a public endpoint's polls must not flood the log.
    expect(logged.filter((line) => /job status/.test(line))).toHaveLength(1);
    const nul = await handler.fetch(new Request("http://app.test/jobs/%00"));
    expect(nul.status).toBe(404);
  });

  it("answers 500, not an outage's 503, for a Hopper that keeps no records", async () => {
    const hopper = createHopper({ url: "memory://status-http-no-records", jobs: [BuildReport], logger: createConsoleLogger("silent") });
    opened.push(hopper);
    const handler = createJobStatusHandler({ jobs: hopper.jobs, logger: createConsoleLogger("silent") });
    const answer = await handler.fetch(new Request("http://app.test/jobs/some-job-id"));
    expect(answer.status).toBe(500);
    expect(await answer.json()).toEqual({ error: "job status is not set up: the application keeps no job records" });
  });
});
