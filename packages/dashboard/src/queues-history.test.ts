import { afterEach, describe, expect, it } from "vitest";
import { createConsoleLogger, createHopper, Job, UnrecoverableError, type Hopper } from "@hopper/core";
import type { Backend } from "@hopper/core/backend";
import { createMemoryBackend } from "@hopper/core/memory";
import { createDashboard } from "./dashboard.js";

class Charted extends Job<{ n: number }> {
  static override queue = "dash-history";
  async perform(): Promise<void> {}
}
class ChartedDoomed extends Job<Record<string, never>> {
  static override queue = "dash-history";
  async perform(): Promise<void> {
    throw new UnrecoverableError("no");
  }
}
class Idle extends Job<Record<string, never>> {
  static override queue = "dash-idle";
  async perform(): Promise<void> {}
}

const silent = createConsoleLogger("silent");
const hoppers: Hopper[] = [];
afterEach(async () => {
  await Promise.all(hoppers.splice(0).map((hopper) => hopper.close()));
});
const page = async (hopper: Hopper) => (await createDashboard({ hopper, authorize: () => true, logger: silent }).fetch(new Request("http://localhost/queues"))).text();
const cardOf = (html: string, queue: string) => html.slice(html.indexOf(`data-history-queue="${queue}"`)).split(`data-history-queue=`)[1]!;

describe("the queues page's history", () => {
  it("charts the runs the workers recorded, with their totals and latency, and an empty state for a queue that ran nothing", async () => {
    const hopper = createHopper({ backend: createMemoryBackend(), jobs: [Charted, ChartedDoomed, Idle], logger: silent });
    hoppers.push(hopper);
    expect(cardOf(await page(hopper), "dash-history")).toContain('data-history="empty"');
    await Charted.performAllLater([1, 2, 3, 4, 5].map((n) => ({ n })));
    await ChartedDoomed.performLater({});
    const worker = hopper.worker({ queues: ["dash-history"], handleSignals: false, pollWait: "20ms" });
    const running = worker.run();
    for (let tries = 0; tries < 400 && ((await hopper.queues.list())[0]?.dead ?? 0) < 1; tries += 1) await new Promise((resolve) => setTimeout(resolve, 25));
    await worker.stop(); // writes the bucket under way
    await running;

    const html = await page(hopper);
    const card = cardOf(html, "dash-history");
    expect(card).toMatch(/<svg class="history-chart"[^>]*role="img"/);
    expect(card).toContain('class="bar-completed"');
    expect(card).toContain('class="bar-failed"');
    expect(card).toContain('data-history="completed">5<');
    expect(card).toContain('data-history="failed">1 (16.7%)<');
    expect(card).toContain('data-history="dead">1<');
    expect(card).toMatch(/data-history="p50">\d+ ms</);
    expect(cardOf(html, "dash-idle")).toContain('data-history="empty"');
    // Inline SVG only: no script and no style attribute the CSP would refuse.
    expect(html).not.toMatch(/<script(?! src)/);
    expect(html).not.toMatch(/ style="/);
  });

  it("refuses history, naming the coordination store, when the Hopper has no shared one", async () => {
    const memory = createMemoryBackend();
    // A backend that keeps messages elsewhere (as SQS does) and offers no coordination store of its own.
    const remote = new Proxy(memory, { get: (target, key) => (key === "capabilities" ? { ...target.capabilities, processLocal: false } : Reflect.get(target, key, target)) }) as Backend;
    const hopper = createHopper({ backend: remote, jobs: [Idle], logger: silent });
    hoppers.push(hopper);
    await expect(hopper.queues.history("dash-idle")).rejects.toThrow(/coordination: .*queue history and batches need a store every process shares/);
  });
});
