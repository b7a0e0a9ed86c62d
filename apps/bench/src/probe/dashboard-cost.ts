/**
 * What one refresh of an open dashboard costs, counted rather than timed (for issue #22's
 * "workers keep ≥ 0.95× their throughput with a dashboard open"): Node CPU time (user + system)
 * per refresh of the three pages `HOPPER_BENCH_DASHBOARD=on` loads, and on Redis the server's
 * commands and CPU per refresh (INFO deltas). A busy queue is simulated by `jobs` ready jobs and a
 * running worker (on another queue, so it takes none of them) in the registry.
 *
 *   pnpm --filter @hopper/bench dashboard-cost <redis-url> [refreshes] [jobs]
 *
 * At the dashboard's shortest refresh (1 s), the CPU per refresh divided by 1,000 ms is the
 * share of one core it takes from the workers' process at most.
 */
import { randomBytes } from "node:crypto";
import { createHopper, Job } from "@hopper/core";
import { createDashboard } from "@hopper/dashboard";
import { Redis } from "ioredis";

const [url = process.env.HOPPER_TEST_REDIS_URL ?? "", refreshesText = "200", jobsText = "10000"] = process.argv.slice(2);
if (!url.startsWith("redis")) throw new Error("dashboard-cost: give a redis:// URL (the server counts come from its INFO)");
const refreshes = Number(refreshesText);
const jobs = Number(jobsText);
const pages = ["/queues", "/dead-letters", "/workers"];
const suffix = randomBytes(3).toString("hex");

class ProbeBusy extends Job<{ n: number }> {
  static override jobName = `ProbeBusy${suffix}`;
  static override queue = `probe-busy-${suffix}`;
  async perform(): Promise<void> {}
}
class ProbeIdle extends Job<Record<string, never>> {
  static override jobName = `ProbeIdle${suffix}`;
  static override queue = `probe-idle-${suffix}`;
  async perform(): Promise<void> {}
}

const quiet = { debug() {}, info() {}, warn() {}, error() {}, isLevelEnabled: () => false };
const hopper = createHopper({ url, jobs: [ProbeBusy, ProbeIdle], logger: quiet });
const admin = new Redis(url);
const worker = hopper.worker({ queues: [ProbeIdle.queue], concurrency: 1, handleSignals: false });
const running = worker.run();
running.catch(() => {});

async function serverCounts(): Promise<{ commands: number; byCommand: Map<string, number>; cpuUs: number }> {
  const [commandstats, cpu] = await Promise.all([admin.info("commandstats"), admin.info("cpu")]);
  let commands = 0;
  const byCommand = new Map<string, number>();
  for (const match of commandstats.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    if (match[1] === "info") continue;
    commands += Number(match[2]);
    byCommand.set(match[1]!, Number(match[2]));
  }
  const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, "m").exec(cpu)?.[1] ?? 0);
  return { commands, byCommand, cpuUs: (field("used_cpu_user") + field("used_cpu_sys")) * 1e6 };
}

try {
  for (let sent = 0; sent < jobs; sent += 1000) await ProbeBusy.performAllLater(Array.from({ length: Math.min(1000, jobs - sent) }, (_, n) => ({ n: sent + n })));
  const dashboard = createDashboard({ hopper, authorize: () => true, logger: quiet });
  const refresh = async () => {
    for (const page of pages) {
      const response = await dashboard.fetch(new Request(`http://probe.invalid${page}`));
      await response.text();
      if (!response.ok) throw new Error(`dashboard-cost: ${page} answered ${response.status}`);
    }
  };
  // Warm: modules, scripts and connections, not counted.
  for (let index = 0; index < 20; index += 1) await refresh();
  const before = await serverCounts();
  const cpu = process.cpuUsage();
  for (let index = 0; index < refreshes; index += 1) await refresh();
  const used = process.cpuUsage(cpu);
  const after = await serverCounts();
  const nodeMs = (used.user + used.system) / 1000 / refreshes;
  console.log(
    `dashboard refresh (${pages.join(", ")}; ${jobs} jobs ready, 1 worker registered), ${refreshes} refreshes: ` +
      `node CPU ${nodeMs.toFixed(2)} ms/refresh (${((nodeMs / 1000) * 100).toFixed(2)}% of one core at one refresh a second), ` +
      `redis ${((after.commands - before.commands) / refreshes).toFixed(1)} commands and ${((after.cpuUs - before.cpuUs) / refreshes).toFixed(0)} µs server CPU /refresh`,
  );
  // Commands run inside scripts count too (INFO commandstats counts each redis.call).
  const perCommand = [...after.byCommand].map(([name, calls]) => [name, (calls - (before.byCommand.get(name) ?? 0)) / refreshes] as const).filter(([, calls]) => calls > 0);
  console.log(`  per refresh: ${perCommand.sort((left, right) => right[1] - left[1]).map(([name, calls]) => `${name} ${calls.toFixed(1)}`).join(", ")}`);
} finally {
  await worker.stop({ timeout: 5000 });
  await running.catch(() => {});
  // The probe's queue is left behind otherwise: take its jobs back out.
  const backend = await hopper.backend;
  for (;;) {
    const batch = await backend.receive({ queue: ProbeBusy.queue, maxMessages: 1000, waitMs: 0, leaseMs: 60_000 });
    if (batch.length === 0) break;
    await Promise.all(batch.map((message) => message.ack()));
  }
  await hopper.close();
  admin.disconnect();
}
