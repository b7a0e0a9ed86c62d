import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { createConsoleLogger, createHopper, Job, UnrecoverableError, type Hopper, type JobClass, type JobContext, type Logger, type Worker } from "@hopper/core";
import { requireService } from "@hopper/services";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDashboard } from "./dashboard.js";
import { findChromium, launchChromium, type Chromium } from "./test-chromium.js";

// Skips loudly without chromium; under CI=true a missing one throws here and fails the file.
const chromiumPath = findChromium();
const postgresUrl = requireService("postgres")?.HOPPER_TEST_POSTGRES_URL;
const schema = `dash_${randomBytes(4).toString("hex")}`;
const targets = [
  { name: "redis", url: requireService("redis")?.HOPPER_TEST_REDIS_URL && `${requireService("redis")!.HOPPER_TEST_REDIS_URL}?keyPrefix=dash-${randomBytes(4).toString("hex")}` },
  { name: "postgres", url: postgresUrl && `${postgresUrl}?schema=${schema}` },
];
// HOPPER_DASHBOARD_SCREENSHOTS=1 rewrites the README's pictures (Redis run only).
const screenshotDirectory = process.env.HOPPER_DASHBOARD_SCREENSHOTS === "1" ? fileURLToPath(new URL("../../../docs/dashboard/", import.meta.url)) : undefined;
const token = randomBytes(24).toString("hex");
const silent = createConsoleLogger("silent");
const wait = { timeout: 30_000 };

/** The jobs of one run, on queues of their own; `healed` turns the failing ones into succeeding ones. */
function jobsFor(label: string) {
  const state = { healed: false };
  const queue = `dash-${label}-${randomBytes(3).toString("hex")}`;
  type PaymentArgs = { order: string; cardNumber: string; fail: boolean };
  class Payment extends Job<PaymentArgs> {
    static override queue = queue;
    async perform({ fail }: PaymentArgs) {
      if (fail && !state.healed) throw new UnrecoverableError("card declined by the test gateway");
      return { charged: true };
    }
  }
  /** Runs until cancelled: it ends only when its signal aborts. */
  class Export extends Job<{ report: string }> {
    static override queue = queue;
    async perform(_args: { report: string }, context: JobContext) {
      await new Promise<void>((resolve) => context.signal.addEventListener("abort", () => resolve(), { once: true }));
      context.signal.throwIfAborted();
    }
  }
  type SignupArgs = { email: string; password: string; profile: { apiKey: string; bio: string }; webhook: string };
  /** Args with secrets in them, for the Job page's redaction. */
  class Signup extends Job<SignupArgs> {
    static override queue = queue;
    async perform() {}
  }
  return { state, queue, Payment, Export, Signup };
}

for (const target of targets) {
  describe.skipIf(!chromiumPath || !target.url)(`the dashboard in chromium on ${target.name}`, () => {
    const { state, queue, Payment, Export, Signup } = jobsFor(target.name);
    let hopper: Hopper;
    let worker: Worker;
    let running: Promise<void>;
    let server: Server;
    let base: string;
    let browser: Chromium;
    let page: Page;

    const screenshot = async (name: string) => {
      if (!screenshotDirectory || target.name !== "redis") return;
      mkdirSync(screenshotDirectory, { recursive: true });
      await page.screenshot({ path: `${screenshotDirectory}${name}.png`, fullPage: true });
    };
    const settled = async (id: string, states: readonly string[]) => {
      for (let tries = 0; tries < 600; tries += 1) {
        const record = await hopper.jobs.get(id);
        if (record && states.includes(record.state)) return record.state;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return (await hopper.jobs.get(id))?.state;
    };

    /** The queues the worker last said its pause poll saw paused. */
    let workerSawPaused: readonly string[] = [];
    const pauseWatchingLogger: Logger = {
      debug: () => {},
      info: (message, fields) => {
        if (message === "queue pauses changed") workerSawPaused = (fields?.paused as string[] | undefined) ?? [];
      },
      warn: () => {},
      error: () => {},
    };

    beforeAll(async () => {
      hopper = createHopper({ url: target.url!, jobs: [Payment as JobClass, Export as JobClass, Signup as JobClass], logger: pauseWatchingLogger, records: {} });
      hopper.schedule("nightly-settlement", "0 2 * * *", Payment as JobClass, { order: "settle", cardNumber: "-", fail: false }, { timezone: "Europe/Paris" });
      worker = hopper.worker({ queues: [queue], concurrency: 2, heartbeat: "300ms", pauseCheck: "200ms", pollWait: "200ms", handleSignals: false });
      running = worker.run();
      const dashboard = createDashboard({
        hopper,
        basePath: "/admin/hopper",
        refreshMs: 1000,
        logger: silent,
        authorize: (request) => {
          const header = request.header("authorization");
          return header === null ? { status: 401, headers: { "www-authenticate": "Bearer" } } : header === `Bearer ${token}`;
        },
        redact: (args) => ({ ...(args as object), cardNumber: "•••• redacted" }),
      });
      // A second mount with a redactArgs of its own.
      const custom = createDashboard({
        hopper,
        basePath: "/admin/custom",
        logger: silent,
        authorize: (request) => request.header("authorization") === `Bearer ${token}`,
        redactArgs: (args, record) => ({ email: (args as { email?: string }).email, shownBy: `custom redactArgs for ${record.job}` }),
      });
      server = createServer((request, response) => void (request.url?.startsWith("/admin/custom") ? custom : dashboard)(request, response));
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/admin/hopper`;
      browser = await launchChromium(chromiumPath!, { extraHTTPHeaders: { authorization: `Bearer ${token}` } });
      page = await browser.context.newPage();
    }, 120_000);

    afterAll(async () => {
      await browser?.close();
      server?.closeAllConnections();
      await new Promise((resolve) => server?.close(resolve));
      await worker?.stop();
      await running;
      await hopper?.close();
    });

    it("shows failed jobs in the queue and dead letters, opens a job, and a retried dead letter succeeds", { timeout: 120_000 }, async () => {
      const [doomed, alsoDoomed] = await Payment.performAllLater([
        { order: "A-1", cardNumber: "4111 1111 1111 1111", fail: true },
        { order: "A-2", cardNumber: "4000 0000 0000 0002", fail: true },
      ]);
      const fine = await Payment.performLater({ order: "A-3", cardNumber: "5555 5555 5555 4444", fail: false });
      expect(await settled(doomed!, ["dead"])).toBe("dead");
      expect(await settled(alsoDoomed!, ["dead"])).toBe("dead");
      expect(await settled(fine, ["succeeded"])).toBe("succeeded");

      await page.goto(`${base}/queues`);
      const row = page.locator(`tr[data-queue="${queue}"]`);
      await row.locator('[data-count="dead"]', { hasText: /^2$/ }).waitFor(wait);
      expect(await row.locator("td").nth(1).textContent()).toBe("running");
      await screenshot("queues");

      await row.getByRole("link", { name: queue }).click();
      await page.waitForURL(/\/dead-letters\?queue=/);
      await page.locator(`tr[data-dead-letter="${doomed}"]`).waitFor(wait);
      // Listed from the job records (an index), with the last error; args are not in records.
      await page.locator('[data-source="records"]').waitFor(wait);
      expect(await page.content()).toContain("card declined by the test gateway");
      await screenshot("dead-letters");
      await page.getByRole("link", { name: "show the dead letters themselves" }).click();
      await page.locator('[data-source="letters"]').waitFor(wait);
      await page.locator(`tr[data-dead-letter="${doomed}"]`).waitFor(wait);
      const deadPage = await page.content();
      expect(deadPage).toContain("card declined by the test gateway");
      // Args go through redact: the order shows, the card number does not.
      expect(deadPage).toContain("A-1");
      expect(deadPage).not.toContain("4111 1111 1111 1111");

      await page.locator(`tr[data-dead-letter="${doomed}"]`).getByRole("link").first().click();
      await page.waitForURL(/\/jobs\?id=/);
      await page.locator('[data-state="dead"]').waitFor(wait);
      expect(await page.locator("main").textContent()).toContain("card declined by the test gateway");
      // The record's args, through the default redaction: the order shows, the card number does not.
      expect(await page.locator("pre[data-args]").textContent()).toContain('"order": "A-1"');
      expect(await page.content()).not.toContain("4111 1111 1111 1111");
      await screenshot("job");

      state.healed = true;
      await page.getByRole("button", { name: "Retry" }).click();
      await page.getByRole("status").filter({ hasText: "moved back" }).waitFor(wait);
      // The page refreshes itself: the worker's success shows without a reload.
      await page.locator('[data-state="succeeded"]').waitFor(wait);
      expect(await settled(doomed!, ["succeeded"])).toBe("succeeded");

      // The other one from the dead letters page.
      await page.goto(`${base}/dead-letters?queue=${queue}`);
      await page.locator(`tr[data-dead-letter="${alsoDoomed}"]`).getByRole("button", { name: "Retry" }).click();
      await page.getByRole("status").filter({ hasText: "moved back" }).waitFor(wait);
      expect(await settled(alsoDoomed!, ["succeeded"])).toBe("succeeded");
      await page.goto(`${base}/queues`);
      await row.locator('[data-count="dead"]', { hasText: /^0$/ }).waitFor(wait);
    });

    it("shows a job's args on its Job page with secrets masked, and through a custom redactArgs when given", { timeout: 60_000 }, async () => {
      const id = await Signup.performLater({
        email: "ada@example.com",
        password: "hunter2-browser",
        profile: { apiKey: "key-browser-123", bio: '<img src=x onerror="document.title=1">' },
        webhook: "https://bot:webhook-s3cret@hooks.example.com/signup",
      });
      expect(await settled(id, ["succeeded"])).toBe("succeeded");
      await page.goto(`${base}/jobs?id=${id}`);
      const args = page.locator("pre[data-args]");
      await args.waitFor(wait);
      const shown = (await args.textContent())!;
      expect(shown).toContain('"email": "ada@example.com"');
      expect(shown).toContain('"password": "[redacted]"');
      expect(shown).toContain('"apiKey": "[redacted]"');
      expect(shown).toContain("https://***@hooks.example.com/signup");
      // The markup in the args is shown as text (its quotes JSON-escaped), never run.
      expect(shown).toContain('<img src=x onerror=\\"document.title=1\\">');
      expect(await args.locator("img").count()).toBe(0);
      const whole = await page.content();
      for (const secret of ["hunter2-browser", "key-browser-123", "webhook-s3cret"]) expect(whole).not.toContain(secret);

      await page.goto(`${base.replace("/admin/hopper", "/admin/custom")}/jobs?id=${id}`);
      await page.locator("pre[data-args]").waitFor(wait);
      const custom = (await page.locator("pre[data-args]").textContent())!;
      expect(custom).toContain('"shownBy": "custom redactArgs for Signup"');
      expect(custom).toContain("ada@example.com");
      expect(await page.content()).not.toContain("hunter2-browser");
    });

    it("charts the queue's runs once the worker has written their bucket", { timeout: 60_000 }, async () => {
      await page.goto(`${base}/queues`);
      const card = page.locator(`[data-history-queue="${queue}"]`);
      // Written just after its 10 s bucket ends; the page refreshes itself until it shows.
      await card.locator("svg.history-chart rect.bar-completed").first().waitFor(wait);
      expect(Number(await card.locator('[data-history="completed"]').textContent())).toBeGreaterThanOrEqual(1);
      expect(await card.locator('[data-history="failed"]').textContent()).toMatch(/^[1-9]\d* \(/);
      expect(await card.locator('[data-history="p50"]').textContent()).toMatch(/\d+(\.\d)? (ms|s|min)$/);
      await screenshot("queues-history");
    });

    it("retries two selected dead jobs and sees them succeed, discards a third and sees it gone", { timeout: 120_000 }, async () => {
      state.healed = false;
      const ids = await Payment.performAllLater([
        { order: "B-1", cardNumber: "1", fail: true },
        { order: "B-2", cardNumber: "2", fail: true },
        { order: "B-3", cardNumber: "3", fail: true },
      ]);
      for (const id of ids) expect(await settled(id!, ["dead"])).toBe("dead");
      const [first, second, third] = ids as [string, string, string];
      state.healed = true;
      await page.goto(`${base}/dead-letters?queue=${queue}`);
      const rowOf = (id: string) => page.locator(`tr[data-dead-letter="${id}"]`);
      for (const id of ids) await rowOf(id!).waitFor(wait);
      await rowOf(first).getByRole("checkbox").check();
      await rowOf(second).getByRole("checkbox").check();
      await page.getByRole("button", { name: "Retry selected" }).click();
      await page.getByRole("status").filter({ hasText: "2 dead letters moved back to their queues." }).waitFor(wait);
      expect(await settled(first, ["succeeded"])).toBe("succeeded");
      expect(await settled(second, ["succeeded"])).toBe("succeeded");
      // The page refreshes itself: once the worker ran them, they are no longer dead.
      await rowOf(first).waitFor({ state: "detached", ...wait });
      await rowOf(second).waitFor({ state: "detached", ...wait });

      await rowOf(third).getByRole("checkbox").check();
      await page.getByRole("button", { name: "Discard selected" }).click();
      await page.getByRole("status").filter({ hasText: "1 dead letters discarded." }).waitFor(wait);
      await rowOf(third).waitFor({ state: "detached", ...wait });
      // Gone from the backend's dead letters, not only from the listing.
      expect((await hopper.deadLetters(queue).peek({ max: 100 })).map((letter) => letter.id)).not.toContain(third);
      expect(await hopper.jobs.get(third)).toBeNull();
    });

    it("lists the recurring jobs with their last and next ticks", { timeout: 60_000 }, async () => {
      await hopper.enqueueRecurring("nightly-settlement", { scheduledAt: new Date(Date.now() - 60_000) });
      await page.goto(`${base}/schedules`);
      const row = page.locator('tr[data-schedule="nightly-settlement"]');
      await row.waitFor(wait);
      const text = await row.textContent();
      expect(text).toContain("0 2 * * *");
      expect(text).toContain("Europe/Paris");
      expect(text).toContain("1m ago");
      await screenshot("schedules");
    });

    it("lists the running worker with its payload versions", { timeout: 60_000 }, async () => {
      await page.goto(`${base}/workers`);
      await page.locator("tr[data-worker]", { hasText: String(process.pid) }).waitFor(wait);
      expect(await page.locator("main").textContent()).toContain("Payment");
      await screenshot("workers");
    });

    it("pauses a queue (the worker stops taking its jobs), cancels a waiting job, and resumes", { timeout: 120_000 }, async () => {
      await page.goto(`${base}/queues`);
      const row = page.locator(`tr[data-queue="${queue}"]`);
      await row.getByRole("button", { name: "Pause" }).click();
      await row.locator("td", { hasText: /^paused$/ }).waitFor(wait);
      expect((await hopper.queues.list()).find((each) => each.name === queue)?.paused).toBe(true);
      // Once the worker's pause poll has seen it (a loaded machine may take a while), the jobs enqueued now must not start.
      for (let tries = 0; !workerSawPaused.includes(queue) && tries < 300; tries += 1) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(workerSawPaused).toContain(queue);
      const [held, cancelled] = await Payment.performAllLater([
        { order: "P-1", cardNumber: "x", fail: false },
        { order: "P-2", cardNumber: "y", fail: false },
      ]);
      await new Promise((resolve) => setTimeout(resolve, 2000));
      // A waiting job of a paused queue reads as held, and says why.
      expect(await hopper.jobs.get(held!)).toMatchObject({ state: "held", heldBy: "queue-paused" });
      await row.locator('[data-count="ready"]', { hasText: /^2$/ }).waitFor(wait);

      await page.goto(`${base}/jobs`);
      await page.getByRole("searchbox", { name: "job id" }).fill(cancelled!);
      await page.getByRole("button", { name: "Find job" }).click();
      await page.locator('[data-state="held"]').waitFor(wait);
      await page.locator('[data-held-by="queue-paused"]').waitFor(wait);
      await page.getByRole("button", { name: "Cancel" }).click();
      await page.locator('[data-state="cancelled"]').waitFor(wait);

      await page.goto(`${base}/queues`);
      await row.getByRole("button", { name: "Resume" }).click();
      await row.locator("td", { hasText: /^running$/ }).waitFor(wait);
      expect(await settled(held!, ["succeeded"])).toBe("succeeded");
      expect(await settled(cancelled!, ["cancelled", "succeeded"])).toBe("cancelled");
    });

    it("cancels a running job: its worker stops it and the page shows it cancelled", { timeout: 60_000 }, async () => {
      const id = await Export.performLater({ report: "quarterly" });
      expect(await settled(id, ["running"])).toBe("running");
      await page.goto(`${base}/jobs?id=${id}`);
      await page.locator('[data-state="running"]').waitFor(wait);
      await page.getByRole("button", { name: "Cancel" }).click();
      await page.getByRole("status").filter({ hasText: "Cancel requested" }).waitFor(wait);
      await page.locator('[data-state="cancelled"]').waitFor(wait);
      expect(await settled(id, ["cancelled"])).toBe("cancelled");
    });

    it("answers 401 without credentials and 403 with wrong ones, and refuses a POST without the CSRF token", { timeout: 60_000 }, async () => {
      expect((await fetch(`${base}/queues`)).status).toBe(401);
      expect((await fetch(`${base}/assets/dashboard.css`, { headers: { authorization: "Bearer nope" } })).status).toBe(403);
      const authorized = { authorization: `Bearer ${token}`, "content-type": "application/x-www-form-urlencoded" };
      const response = await page.request.post(`${base}/queues/pause`, { headers: authorized, data: `queue=${queue}`, maxRedirects: 0 });
      expect(response.status()).toBe(403);
      expect(await response.text()).toContain("CSRF");
      // The browser's own cookie without the form field is refused too.
      const withCookie = await page.request.post(`${base}/queues/pause`, { headers: authorized, data: `queue=${queue}&csrf=`, maxRedirects: 0 });
      expect(withCookie.status()).toBe(403);
      expect((await hopper.queues.list()).find((each) => each.name === queue)?.paused).toBe(false);
    });

    it.skipIf(target.name !== "redis")("fits a phone screen", { timeout: 60_000 }, async () => {
      await page.setViewportSize({ width: 390, height: 844 });
      await page.goto(`${base}/queues`);
      await page.locator(`tr[data-queue="${queue}"]`).waitFor(wait);
      const overflow = await page.evaluate<number>("document.documentElement.scrollWidth - document.documentElement.clientWidth");
      expect(overflow).toBeLessThanOrEqual(0);
      await screenshot("queues-phone");
      await page.setViewportSize({ width: 1280, height: 800 });
    });
  });
}
