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

  it("shows args through redact", async () => {
    const { hopper, get } = setUp({ redact: (args) => ({ ...(args as object), secret: "[redacted]" }) });
    await deadJob(hopper);
    const page = await (await get("/dead-letters?queue=dash-unit")).text();
    expect(page).not.toContain("hunter2");
    expect(page).toContain("[redacted]");
    expect(page).toContain("&#60;b&#62;x&#60;/b&#62;");
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
