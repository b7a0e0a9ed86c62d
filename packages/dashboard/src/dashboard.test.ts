import { once } from "node:events";
import { inspect } from "node:util";
import { createServer, request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigurationError, createConsoleLogger, createHopper, Job, UnrecoverableError, type Hopper } from "@hopper/core";
import { createMemoryBackend } from "@hopper/core/memory";
import { createDashboard, type DashboardOptions } from "./dashboard.js";

class Doomed extends Job<{ secret: string; label: string }> {
  static override queue = "dash-unit";
  async perform(): Promise<void> {
    throw new UnrecoverableError("boom <script>alert(1)</script>");
  }
}

class Leaf extends Job<{ n: number }> {
  static override queue = "dash-unit";
  async perform({ n }: { n: number }) {
    return n;
  }
}
class Root extends Job<Record<string, never>> {
  static override queue = "dash-unit";
  async perform() {}
}

const silent = createConsoleLogger("silent");
const hoppers: Hopper[] = [];
afterEach(async () => {
  await Promise.all(hoppers.splice(0).map((hopper) => hopper.close()));
});
function setUp(options: Partial<DashboardOptions> = {}) {
  const hopper = createHopper({ backend: createMemoryBackend(), jobs: [Doomed], logger: silent, records: {} });
  hoppers.push(hopper);
  const dashboard = createDashboard({ hopper, authorize: () => true, logger: silent, ...options });
  const get = (path: string, headers: Record<string, string> = {}) => dashboard.fetch(new Request(`http://localhost${path}`, { headers }));
  const post = (path: string, form: Record<string, string>, headers: Record<string, string> = {}) =>
    dashboard.fetch(new Request(`http://localhost${path}`, { method: "POST", body: new URLSearchParams(form).toString(), headers: { "content-type": "application/x-www-form-urlencoded", ...headers }, redirect: "manual" }));
  return { hopper, dashboard, get, post };
}
const cookieOf = (response: Response) => response.headers.get("set-cookie")!.split(";")[0]!;
const tokenOf = (html: string) => /name="csrf" value="([^"]+)"/.exec(html)![1]!;

async function deadJob(hopper: Hopper): Promise<string> {
  const id = await Doomed.performLater({ secret: "hunter2", label: "<b>x</b>" });
  const worker = hopper.worker({ handleSignals: false, pollWait: "20ms" });
  const running = worker.run();
  for (let tries = 0; tries < 400 && (await hopper.jobs.get(id))?.state !== "dead"; tries += 1) await new Promise((resolve) => setTimeout(resolve, 25));
  await worker.stop();
  await running;
  return id;
}

describe("createDashboard", () => {
  it("shows a flow child's batch and links its parent on the job page", async () => {
    const hopper = createHopper({ backend: createMemoryBackend(), jobs: [Leaf, Root], logger: silent, records: {} });
    hoppers.push(hopper);
    const dashboard = createDashboard({ hopper, authorize: () => true, logger: silent });
    const flow = await hopper.flow({ parent: [Root, {}], children: [[Leaf, { n: 1 }]] });
    const page = await (await dashboard.fetch(new Request(`http://localhost/jobs?id=${flow.childJobIds[0]}`))).text();
    expect(page).toContain(`data-batch-id="${flow.id}"`);
    expect(page).toContain(`href="/jobs?id=${flow.parentJobId}" data-parent-id="${flow.parentJobId}"`);
    // A job outside any batch shows neither.
    const plain = await Leaf.performLater({ n: 2 });
    const plainPage = await (await dashboard.fetch(new Request(`http://localhost/jobs?id=${plain}`))).text();
    expect(plainPage).not.toContain("data-batch-id");
    expect(plainPage).not.toContain("data-parent-id");
  });

  it("marks a running job that ignores its timeout as hung on its page, and not once it has returned", async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    class Stuck extends Job<Record<string, never>> {
      static override queue = "dash-hung";
      static override timeout = "50ms";
      async perform() {
        await released; // ignores its signal
      }
    }
    const hopper = createHopper({ backend: createMemoryBackend(), jobs: [Stuck], logger: silent, records: {} });
    hoppers.push(hopper);
    const dashboard = createDashboard({ hopper, authorize: () => true, logger: silent });
    const id = await Stuck.performLater({});
    const worker = hopper.worker({ handleSignals: false, pollWait: "20ms" });
    const running = worker.run();
    try {
      for (let tries = 0; tries < 200 && (await hopper.jobs.get(id))?.hung !== true; tries += 1) await new Promise((resolve) => setTimeout(resolve, 25));
      const page = await (await dashboard.fetch(new Request(`http://localhost/jobs?id=${id}`))).text();
      expect(page).toContain("data-hung");
      expect(page).toMatch(/JobTimeoutError: job Stuck \([^)]+\) is \d+ ms past its timeout of 50 ms and ignores its signal/);
    } finally {
      release();
      await worker.stop();
      await running;
    }
    const after = await (await dashboard.fetch(new Request(`http://localhost/jobs?id=${id}`))).text();
    expect(after).not.toContain("data-hung");
  });

  it("refuses to start without authorize unless allowUnauthenticated, and warns when it is", () => {
    const hopper = createHopper({ backend: createMemoryBackend(), jobs: [Doomed], logger: silent });
    hoppers.push(hopper);
    expect(() => createDashboard({ hopper })).toThrow(ConfigurationError);
    expect(() => createDashboard({ hopper })).toThrow(/authorize/);
    const warnings: string[] = [];
    createDashboard({ hopper, allowUnauthenticated: true, logger: { ...silent, warn: (message: string) => void warnings.push(message) } });
    expect(warnings.join("\n")).toMatch(/OPEN TO ANYONE/);
    expect(() => createDashboard({ hopper, authorize: () => true, basePath: "admin/" })).toThrow(/basePath/);
    expect(() => createDashboard({ hopper, authorize: () => true, theme: "dark" } as DashboardOptions)).toThrow(/theme/);
    // An environment variable's "true" is no boolean: read-only must not fail open.
    expect(() => createDashboard({ hopper, authorize: () => true, readOnly: "true" } as unknown as DashboardOptions)).toThrow(/readOnly/);
  });

  it("retries or discards a single dead letter only on a queue of this Hopper's, as the bulk form does", async () => {
    const { hopper, get, post } = setUp();
    const id = await deadJob(hopper);
    const page = await get("/dead-letters?queue=dash-unit");
    const [cookie, csrf] = [cookieOf(page), tokenOf(await page.text())];
    for (const action of ["/dead-letters/retry", "/dead-letters/discard"]) {
      const refused = await post(action, { csrf, queue: "another-apps-queue", id }, { cookie });
      expect(refused.status).toBe(400);
      expect(await refused.text()).toMatch(/queue: names a queue this Hopper does not know/);
    }
    expect((await hopper.deadLetters("dash-unit").peek({ max: 1000 })).map((letter) => letter.id)).toContain(id);
    const retried = await post("/dead-letters/retry", { csrf, queue: "dash-unit", id }, { cookie });
    expect(retried.headers.get("location")).toContain("done=retried");
  });

  it("shows and logs a backend's failure without the credentials its message quotes", async () => {
    const hopper = createHopper({ backend: createMemoryBackend(), jobs: [Doomed], logger: silent, records: {} });
    hoppers.push(hopper);
    const refused = () => Promise.reject(new Error("connect ECONNREFUSED redis://default:hunter2-pass@cache:6379 (password=hunter2-pass)"));
    const failing = { ...hopper, queues: { ...hopper.queues, list: refused, pause: refused }, workers: hopper.workers, deadLetters: hopper.deadLetters.bind(hopper), schedules: hopper.schedules, jobs: hopper.jobs } as unknown as Hopper;
    const logged: string[] = [];
    const logger = { ...silent, error: (message: string, fields?: Record<string, unknown>) => void logged.push(`${message} ${inspect(fields)}`) };
    const dashboard = createDashboard({ hopper: failing, authorize: () => true, logger });
    const page = await dashboard.fetch(new Request("http://localhost/queues"));
    expect(page.status).toBe(503);
    const text = await page.text();
    expect(text).toContain("redis://***@cache:6379");
    expect(text).not.toContain("hunter2-pass");
    // An action that fails is logged with its error, and answered with it: neither shows the password.
    const cookie = page.headers.get("set-cookie")!.split(";")[0]!;
    const csrf = cookie.split("=")[1]!;
    const action = await dashboard.fetch(new Request("http://localhost/queues/pause", { method: "POST", body: new URLSearchParams({ csrf, queue: "dash-unit" }).toString(), headers: { "content-type": "application/x-www-form-urlencoded", cookie }, redirect: "manual" }));
    expect(action.status).toBe(500);
    expect(await action.text()).not.toContain("hunter2-pass");
    expect(logged.length).toBeGreaterThan(0);
    expect(logged.join("\n")).toContain("***");
    expect(logged.join("\n")).not.toContain("hunter2-pass");
  });

  it("names a queue in an action's notice only when it is one the page lists, not whatever a link carries", async () => {
    const { get } = setUp();
    const known = await (await get("/queues?done=paused&queue=dash-unit")).text();
    expect(known).toContain("Queue dash-unit paused");
    const crafted = await (await get(`/queues?done=paused&queue=${encodeURIComponent("payments is being migrated. Call +1 555 0100")}`)).text();
    expect(crafted).toContain("The queue paused");
    expect(crafted).not.toContain("migrated");
  });

  it("answers 400 to a path with a . or .. segment, which would resolve outside its mount point, before authorize or any action", async () => {
    let authorized = 0;
    const hopper = createHopper({ backend: createMemoryBackend(), jobs: [Doomed], logger: silent, records: {} });
    hoppers.push(hopper);
    const dashboard = createDashboard({ hopper, authorize: () => ((authorized += 1), true), basePath: "/admin/hopper", logger: silent });
    // The README's plain http mount: only paths under the base reach the dashboard.
    const server = createServer((request, response) => {
      if (request.url?.startsWith("/admin/hopper")) void dashboard(request, response);
      else response.writeHead(404).end();
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const port = (server.address() as AddressInfo).port;
    const raw = (method: string, path: string) =>
      new Promise<number>((resolve, reject) => {
        // Node's client sends the path as given, dots and all, as a crafted request would.
        const sent = httpRequest({ host: "127.0.0.1", port, method, path, headers: { "content-type": "application/x-www-form-urlencoded" } }, (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        });
        sent.on("error", reject);
        sent.end(method === "POST" ? "queue=dash-unit" : undefined);
      });
    try {
      for (const path of ["/admin/hopper/../../queues", "/admin/hopper/%2e%2e/%2E%2e/workers", "/admin/hopper/./queues", "/admin/hopper/..\\..\\queues", "/admin/hopper\\..\\..\\workers"]) {
        expect(await raw("GET", path), path).toBe(400);
      }
      expect(await raw("POST", "/admin/hopper/../../queues/pause")).toBe(400);
      expect(authorized).toBe(0);
      // An encoded slash is no separator: the segment names no page.
      expect(await raw("GET", "/admin/hopper/..%2f..%2fqueues")).toBe(404);
      expect((await hopper.queues.list()).find((queue) => queue.name === "dash-unit")?.paused).toBe(false);
      expect(await raw("GET", "/admin/hopper/queues")).toBe(200);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it("marks its CSRF cookie Secure when the page came over HTTPS, or when told to", async () => {
    const { get } = setUp();
    const cookie = async (headers: Record<string, string> = {}, url = "/queues") => (await get(url, headers)).headers.get("set-cookie")!;
    expect(await cookie()).not.toMatch(/; Secure/);
    // Behind a TLS-terminating proxy: the proxy says so. A client claiming it over plain HTTP only makes its own cookie one its browser keeps from plain HTTP.
    expect(await cookie({ "x-forwarded-proto": "https" })).toMatch(/; Secure/);
    expect(await cookie({ "x-forwarded-proto": "https, http" })).toMatch(/; Secure/);
    const https = setUp().dashboard.fetch(new Request("https://localhost/queues"));
    expect((await https).headers.get("set-cookie")).toMatch(/; Secure/);
    expect((await setUp({ secureCookie: true }).get("/queues")).headers.get("set-cookie")).toMatch(/; Secure/);
    expect((await setUp({ secureCookie: false }).get("/queues", { "x-forwarded-proto": "https" })).headers.get("set-cookie")).not.toMatch(/; Secure/);
    expect(() => setUp({ secureCookie: "yes" as unknown as boolean })).toThrow(/secureCookie/);
  });

  it("answers 403 when authorize says no, and the refusal authorize gives (assets included)", async () => {
    const { get } = setUp({ authorize: (request) => (request.header("x-user") === "ops" ? true : request.header("x-user") ? false : { status: 401, headers: { "www-authenticate": 'Basic realm="hopper"' } }) });
    expect((await get("/queues", { "x-user": "intruder" })).status).toBe(403);
    const unauthenticated = await get("/assets/dashboard.js");
    expect(unauthenticated.status).toBe(401);
    expect(unauthenticated.headers.get("www-authenticate")).toBe('Basic realm="hopper"');
    expect((await get("/queues", { "x-user": "ops" })).status).toBe(200);
  });

  it("takes a POST only with the CSRF cookie and the same token in the form", async () => {
    const { hopper, get, post } = setUp();
    const page = await get("/queues");
    const cookie = cookieOf(page);
    const token = tokenOf(await page.text());
    expect((await post("/queues/pause", { queue: "dash-unit" })).status).toBe(403);
    expect((await post("/queues/pause", { queue: "dash-unit", csrf: token })).status).toBe(403);
    expect((await post("/queues/pause", { queue: "dash-unit", csrf: "x".repeat(32) }, { cookie })).status).toBe(403);
    expect((await post("/queues/pause", { queue: "dash-unit", csrf: token }, { cookie, origin: "https://evil.example", host: "localhost" })).status).toBe(403);
    expect((await hopper.queues.list())[0]!.paused).toBe(false);
    const done = await post("/queues/pause", { queue: "dash-unit", csrf: token }, { cookie });
    expect(done.status).toBe(303);
    expect(done.headers.get("location")).toBe("/queues?done=paused&queue=dash-unit");
    expect((await hopper.queues.list())[0]!.paused).toBe(true);
  });

  it("hides args unless redact is given, escapes what it shows, and retries a dead letter by id", async () => {
    const { hopper, get, post } = setUp({ basePath: "/admin/hopper" });
    const id = await deadJob(hopper);
    // Mounted by Express (app.use("/admin/hopper", dashboard)) the path arrives without the base: links keep it.
    const stripped = await get("/dead-letters");
    expect(stripped.status).toBe(200);
    expect(await stripped.text()).toContain('href="/admin/hopper/jobs?id=');
    const hidden = await (await get("/admin/hopper/dead-letters")).text();
    expect(hidden).toContain(id);
    expect(hidden).not.toContain("hunter2");
    expect(hidden).not.toContain("<script>alert(1)");
    expect(hidden).toContain("&#60;script&#62;alert(1)");
    expect(hidden).toContain('href="/admin/hopper/jobs?id=');
    const job = await get(`/admin/hopper/jobs?id=${id}`);
    const jobHtml = await job.text();
    expect(jobHtml).toContain('data-state="dead"');
    const retried = await post("/admin/hopper/jobs/retry", { id, csrf: tokenOf(jobHtml) }, { cookie: cookieOf(job) });
    expect(retried.headers.get("location")).toBe(`/admin/hopper/jobs?id=${id}&done=retried`);
    expect((await hopper.queues.list())[0]!.stats?.ready).toBe(1);
  });

  it("answers 400 naming the id, not 500 and an error log, for a job whose record is gone (expired between the page and the click)", async () => {
    const errors: string[] = [];
    const { get, post } = setUp({ logger: { ...silent, error: (message: string) => void errors.push(message) } });
    const page = await get("/queues");
    const [cookie, csrf] = [cookieOf(page), tokenOf(await page.text())];
    for (const action of ["/jobs/cancel", "/jobs/retry"]) {
      const answer = await post(action, { id: "gone-job", csrf }, { cookie });
      expect({ action, status: answer.status }).toEqual({ action, status: 400 });
      expect(await answer.text()).toContain("gone-job");
    }
    expect(errors).toEqual([]);
  });

  it("shows args through redact", async () => {
    const { hopper, get } = setUp({ redact: (args) => ({ ...(args as object), secret: "[redacted]" }) });
    await deadJob(hopper);
    // Args live in the dead letters, not in records: the page that receives them shows them.
    const page = await (await get("/dead-letters?queue=dash-unit&source=letters")).text();
    expect(page).toContain('data-source="letters"');
    expect(page).not.toContain("hunter2");
    expect(page).toContain("[redacted]");
    expect(page).toContain("&#60;b&#62;x&#60;/b&#62;");
  });

  it("shows a job's args on its page, secrets masked by default, HTML escaped", async () => {
    const { hopper, get } = setUp();
    const id = await Doomed.performLater({ secret: "hunter2", label: '</pre><script>alert("args")</script>' });
    const page = await (await get(`/jobs?id=${id}`)).text();
    const args = /<pre data-args>([\s\S]*?)<\/pre>/.exec(page)?.[1];
    expect(args).toContain("&#34;secret&#34;: &#34;[redacted]&#34;");
    // JSON escapes the quotes (\"), HTML every markup character.
    expect(args).toContain("&#60;/pre&#62;&#60;script&#62;alert(\\&#34;args\\&#34;)&#60;/script&#62;");
    expect(page).not.toContain("hunter2");
    expect(page).not.toContain('<script>alert("args")');
  });

  it("shows args through redactArgs when given, and never breaks the page when it throws or returns what is not JSON", async () => {
    const seen: string[] = [];
    const custom = setUp({
      redactArgs: (args, record) => {
        seen.push(`${record.job} ${record.id}`);
        return { label: (args as { label: string }).label, shownBy: "custom" };
      },
    });
    const id = await Doomed.performLater({ secret: "hunter2", label: "mine" });
    const page = await (await custom.get(`/jobs?id=${id}`)).text();
    expect(page).toContain("&#34;shownBy&#34;: &#34;custom&#34;");
    expect(page).not.toContain("hunter2");
    expect(seen).toEqual([`Doomed ${id}`]);

    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    const failures: [string, DashboardOptions["redactArgs"]][] = [
      ["throws", () => {
        throw new Error("hunter2 leaked in a message");
      }],
      ["returns a BigInt", () => 10n],
      ["returns a cycle", () => cycle],
      ["returns a function", () => () => "hunter2"],
      ["returns undefined", () => undefined],
      ["returns a promise", async () => ({ password: "hunter2" })],
    ];
    for (const [label, redactArgs] of failures) {
      const broken = setUp({ redactArgs });
      const brokenId = await Doomed.performLater({ secret: "hunter2", label: "x" });
      const response = await broken.get(`/jobs?id=${brokenId}`);
      const text = await response.text();
      expect(response.status, label).toBe(200);
      expect(text, label).toContain("args hidden: redaction failed");
      expect(text, label).not.toContain("hunter2");
    }
    expect(() => createDashboard({ hopper: custom.hopper, authorize: () => true, redactArgs: "mask" as never })).toThrow(/redactArgs/);
  });

  it("says why a record has no args: over the bound (with its size), kept by none, or kept off in this Hopper", async () => {
    const bounded = createHopper({ backend: createMemoryBackend({ store: "dash-args" }), jobs: [Doomed], logger: silent, records: { maxArgsBytes: 10 } });
    hoppers.push(bounded);
    const big = await Doomed.performLater({ secret: "hunter2", label: "a label" });
    const boundedPage = await (await createDashboard({ hopper: bounded, authorize: () => true, logger: silent }).fetch(new Request(`http://localhost/jobs?id=${big}`))).text();
    expect(boundedPage).toMatch(/not kept: 38 bytes of JSON, over records\.maxArgsBytes/);
    const off = createHopper({ backend: createMemoryBackend({ store: "dash-args-off" }), jobs: [Doomed], logger: silent, records: { args: false } });
    hoppers.push(off);
    const hidden = await Doomed.performLater({ secret: "hunter2", label: "a label" });
    const offPage = await (await createDashboard({ hopper: off, authorize: () => true, logger: silent }).fetch(new Request(`http://localhost/jobs?id=${hidden}`))).text();
    expect(offPage).toContain("not kept: records.args is false");
    expect(offPage).not.toContain("hunter2");
    // The same record read by a Hopper that keeps args: it holds none.
    const keeping = createHopper({ backend: createMemoryBackend({ store: "dash-args-off" }), jobs: [], logger: silent, records: {} });
    hoppers.push(keeping);
    const keepingPage = await (await createDashboard({ hopper: keeping, authorize: () => true, logger: silent }).fetch(new Request(`http://localhost/jobs?id=${hidden}`))).text();
    expect(keepingPage).toContain("none in this record");
  });

  it("in read-only mode offers no action and refuses every POST", async () => {
    const { hopper, get, post } = setUp({ readOnly: true });
    const page = await get("/queues");
    const text = await page.text();
    expect(text).not.toContain("<form class=\"inline\"");
    expect(text).toContain("read-only");
    expect((await post("/queues/pause", { queue: "dash-unit" }, { cookie: cookieOf(page) })).status).toBe(403);
    expect((await hopper.queues.list())[0]!.paused).toBe(false);
  });
});

describe("dead letters from job records", () => {
  const selectionPage = async (get: (path: string) => Promise<Response>, path = "/dead-letters") => {
    const page = await get(path);
    const text = await page.text();
    return { text, cookie: cookieOf(page), csrf: tokenOf(text) };
  };
  const item = (id: string, queue = "dash-unit") => JSON.stringify([queue, id]);
  const deadIds = async (hopper: Hopper) => (await hopper.jobs.list({ state: "dead", queue: "dash-unit" })).records.map((record) => record.id).sort();

  it("lists dead jobs from records with paging, and from peek when records are off, saying which", async () => {
    const { hopper, get } = setUp();
    const ids = [await deadJob(hopper), await deadJob(hopper)];
    const text = await (await get("/dead-letters?queue=dash-unit")).text();
    expect(text).toContain('data-source="records"');
    for (const id of ids) expect(text).toContain(`data-dead-letter="${id}"`);
    expect(text).toContain("&#60;script&#62;alert(1)");
    expect(text).not.toContain("hunter2");
    expect((await get("/dead-letters?job=Other")).status).toBe(200);
    expect(await (await get("/dead-letters?job=Other")).text()).not.toContain("data-dead-letter=");
    const forged = await get("/dead-letters?after=not-a-cursor");
    expect(forged.status).toBe(400);
    expect(await forged.text()).toMatch(/after: is not a cursor/);

    const off = createHopper({ backend: createMemoryBackend(), jobs: [Doomed], logger: silent });
    hoppers.push(off);
    const offText = await (await createDashboard({ hopper: off, authorize: () => true, logger: silent }).fetch(new Request("http://localhost/dead-letters"))).text();
    expect(offText).toContain('data-source="letters"');
    expect(offText).toMatch(/turn on job records/);
  });

  it("retries and discards the selected dead letters through the CSRF-checked POST, counting what it found", async () => {
    const { hopper, get, post } = setUp();
    const [first, third] = [await deadJob(hopper), await deadJob(hopper)];
    const waiting = await Doomed.performLater({ secret: "s", label: "waiting" });
    const { cookie, csrf, text } = await selectionPage(get);
    expect(text).toContain('action="/dead-letters/selected"');
    expect(text).toContain(`value="${item(first).replaceAll('"', "&#34;")}"`);

    const retried = await post("/dead-letters/selected", { csrf, do: "retry", item: item(first) }, { cookie });
    expect(retried.status).toBe(303);
    expect(retried.headers.get("location")).toBe("/dead-letters?done=selected-retried&count=1&missed=0");
    expect(await (await get(retried.headers.get("location")!)).text()).toContain("1 dead letters moved back to their queues.");
    expect(await hopper.jobs.get(waiting)).toMatchObject({ state: "waiting" });

    const discarded = await post("/dead-letters/selected", { csrf, do: "discard", item: item(third) }, { cookie });
    expect(discarded.headers.get("location")).toBe("/dead-letters?done=selected-discarded&count=1&missed=0");
    // Gone from the backend's dead letters and from the records' dead listing.
    expect((await hopper.deadLetters("dash-unit").peek({ max: 100 })).map((letter) => letter.id)).not.toContain(third);
    expect(await deadIds(hopper)).not.toContain(third);
    expect(await hopper.jobs.get(third)).toBeNull();
  });

  it("takes several items in one form and counts the ones that are not dead letters as missed", async () => {
    const { hopper, get } = setUp();
    const [first, second] = [await deadJob(hopper), await deadJob(hopper)];
    const waiting = await Doomed.performLater({ secret: "s", label: "waiting" });
    const { cookie, csrf } = await selectionPage(get);
    const form = new URLSearchParams({ csrf, do: "retry" });
    for (const id of [first, second, waiting, first]) form.append("item", item(id));
    const dashboard = createDashboard({ hopper, authorize: () => true, logger: silent });
    const response = await dashboard.fetch(new Request("http://localhost/dead-letters/selected", { method: "POST", body: form.toString(), headers: { "content-type": "application/x-www-form-urlencoded", cookie }, redirect: "manual" }));
    expect(response.headers.get("location")).toBe("/dead-letters?done=selected-retried&count=2&missed=1");
    // Back in the queue (the waiting job and the two retried); their records read dead until a worker starts them.
    expect((await hopper.queues.list())[0]!.stats?.ready).toBe(3);
    expect((await hopper.deadLetters("dash-unit").peek({ max: 1000 })).map((letter) => letter.id)).not.toContain(first);

    // "Retry all shown" acts on the rows the page listed (the `shown` fields), not on the ticked ones.
    const third = await deadJob(hopper);
    const shown = new URLSearchParams({ csrf, do: "retry-shown", shown: item(third) });
    const all = await dashboard.fetch(new Request("http://localhost/dead-letters/selected", { method: "POST", body: shown.toString(), headers: { "content-type": "application/x-www-form-urlencoded", cookie }, redirect: "manual" }));
    expect(all.headers.get("location")).toBe("/dead-letters?done=selected-retried&count=1&missed=0");
    expect((await hopper.deadLetters("dash-unit").peek({ max: 1000 })).map((letter) => letter.id)).not.toContain(third);
  });

  it("refuses a selection without the CSRF token, forged or unknown items, too many, or an unknown action", async () => {
    const { hopper, get, post } = setUp();
    const id = await deadJob(hopper);
    const { cookie, csrf } = await selectionPage(get);
    expect((await post("/dead-letters/selected", { do: "discard", item: item(id) }, { cookie })).status).toBe(403);
    expect((await post("/dead-letters/selected", { csrf: "x".repeat(43), do: "discard", item: item(id) }, { cookie })).status).toBe(403);
    const refused = async (form: Record<string, string>, pattern: RegExp) => {
      const response = await post("/dead-letters/selected", { csrf, ...form }, { cookie });
      expect(response.status).toBe(400);
      expect(await response.text()).toMatch(pattern);
    };
    await refused({ do: "discard" }, /item: select at least one/);
    await refused({ do: "discard", item: "<script>" }, /item: is not a dead letter the page listed/);
    await refused({ do: "discard", item: JSON.stringify(["dash-unit", "x".repeat(513)]) }, /item: is not a dead letter/);
    await refused({ do: "discard", item: item(id, "someone-elses-queue") }, /item: names a queue this Hopper does not know/);
    await refused({ do: "delete-everything", item: item(id) }, /do: must be/);
    const many = new URLSearchParams({ csrf, do: "discard" });
    for (let index = 0; index <= 100; index += 1) many.append("item", item(`${id}-${index}`));
    const dashboard = createDashboard({ hopper, authorize: () => true, logger: silent });
    const tooMany = await dashboard.fetch(new Request("http://localhost/dead-letters/selected", { method: "POST", body: many.toString(), headers: { "content-type": "application/x-www-form-urlencoded", cookie }, redirect: "manual" }));
    expect(tooMany.status).toBe(400);
    expect(await tooMany.text()).toMatch(/at most 100/);
    const huge = await post("/dead-letters/selected", { csrf, do: "discard", item: "x".repeat(70_000) }, { cookie });
    expect(huge.status).toBe(413);
    // Nothing above touched the dead letter.
    expect(await hopper.jobs.get(id)).toMatchObject({ state: "dead" });
    expect((await hopper.deadLetters("dash-unit").peek({ max: 1000 })).map((letter) => letter.id)).toContain(id);
    // The notice shows counts only, whatever the query says.
    const page = await (await get("/dead-letters?done=selected-retried&count=%3Cscript%3E&missed=7")).text();
    expect(page).toContain("0 dead letters moved back to their queues; 7 not found");
    expect(page).not.toContain("<script>");
  });
});

describe("authorize", () => {
  it("never sees the body, and a hook that throws or answers a success status refuses", async () => {
    let sawBody = false;
    const { get, post } = setUp({ authorize: (request) => ((sawBody ||= "body" in request), true) });
    const page = await get("/queues");
    await post("/queues/pause", { queue: "dash-unit", csrf: tokenOf(await page.text()) }, { cookie: cookieOf(page) });
    expect(sawBody).toBe(false);
    const throwing = setUp({ authorize: () => { throw new Error("session store down"); } });
    expect((await throwing.get("/queues")).status).toBe(500);
    const sneaky = setUp({ authorize: () => ({ status: 200 }) });
    const refused = await sneaky.get("/queues");
    expect(refused.status).toBe(403);
    expect(await refused.text()).not.toContain("<table");
  });
});
