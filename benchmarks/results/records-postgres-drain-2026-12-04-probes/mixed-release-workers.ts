/**
 * A rolling deploy, run for real: a worker process of one checkout (e.g. main) and one of another (this branch) drain
 * one queue on the same PostgreSQL schema with job records on, while a driver (of either checkout) enqueues, cancels
 * waiting jobs and cancels running ones from its own process. Every record must end as it should: a cancelled job
 * `cancelled` (a waiting one never run), every other `succeeded` with attempt 1 and its result.
 *
 *   node --conditions=@hopper/source --import <root>/apps/bench/src/child/strip-types.mjs --no-warnings mixed-release-workers.ts \
 *     drive <driver root> <worker root A> <worker root B> <postgres url>
 *
 * Each root is a checkout with its dependencies installed (its packages are loaded from their sources). The driver
 * starts the two workers as child processes of this script (`work` mode) and stops them at the end.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

const [mode, ...rest] = process.argv.slice(2);
const load = async (root: string) => ({
  core: await import(`${root}/packages/core/src/index.ts`),
  postgres: await import(`${root}/packages/postgres/src/index.ts`),
});
const schema = "hopper_mixed";
const queue = "mixed-release";
const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(signal.reason);
    });
  });

let performed = 0;
async function hopperOn(root: string, url: string) {
  const { core, postgres } = await load(root);
  class MixedJob extends core.Job {
    static jobName = "MixedJob";
    static queue = queue;
    async perform({ n, ms }: { n: number; ms: number }, context: { signal: AbortSignal }) {
      performed += 1;
      await sleep(ms, context.signal);
      return { n };
    }
  }
  const backend = await postgres.createPostgresBackend({ connectionString: url, schema });
  return { hopper: core.createHopper({ backend, jobs: [MixedJob], logger: core.createConsoleLogger("silent"), records: { cancelCheck: "100ms" } }), MixedJob };
}

if (mode === "work") {
  const [root, url] = rest as [string, string];
  const { hopper } = await hopperOn(root, url);
  const worker = hopper.worker({ queues: [queue], concurrency: 5, handleSignals: false });
  const running = worker.run();
  process.on("message", async () => {
    await worker.stop();
    await running;
    await hopper.close();
    console.log(JSON.stringify({ worker: root, performed }));
    process.exit(0);
  });
  process.send?.("ready");
} else {
  const [driverRoot, rootA, rootB, url] = rest as [string, string, string, string];
  const { hopper, MixedJob } = await hopperOn(driverRoot, url);
  // Cancelled while waiting: enqueued and cancelled before the workers start.
  const waitingCancelled = await Promise.all(Array.from({ length: 20 }, (_, n) => MixedJob.performLater({ n: 2000 + n, ms: 5 })));
  for (const id of waitingCancelled) await hopper.jobs.cancel(id);
  const script = fileURLToPath(import.meta.url);
  const workers: ChildProcess[] = [rootA, rootB].map((root) =>
    spawn(process.execPath, ["--conditions=@hopper/source", "--import", `${root}/apps/bench/src/child/strip-types.mjs`, "--no-warnings", script, "work", root, url], { stdio: ["ignore", "inherit", "inherit", "ipc"] }),
  );
  await Promise.all(workers.map((child) => new Promise((resolve) => child.once("message", resolve))));
  // Both workers listening: the rest are shared between them.
  const short = [...waitingCancelled, ...(await Promise.all(Array.from({ length: 300 }, (_, n) => MixedJob.performLater({ n, ms: 20 }))))];
  const long = await Promise.all(Array.from({ length: 6 }, (_, n) => MixedJob.performLater({ n: 1000 + n, ms: 3000 })));
  // Cancel the long jobs once each runs (from this process: the workers see it through their records' cancel watch).
  const runningCancelled: string[] = [];
  for (const id of long) {
    for (let tries = 0; tries < 200 && (await hopper.jobs.get(id))?.state !== "running"; tries++) await sleep(50);
    if ((await hopper.jobs.cancel(id)).stopping) runningCancelled.push(id);
  }
  const cancelled = new Set([...waitingCancelled, ...runningCancelled]);
  const all = [...short, ...long];
  const deadline = Date.now() + 60_000;
  let records: any[] = [];
  for (;;) {
    records = await Promise.all(all.map((id) => hopper.jobs.get(id)));
    if (records.every((record) => ["succeeded", "cancelled", "failed", "dead"].includes(record?.state)) || Date.now() > deadline) break;
    await sleep(200);
  }
  for (const child of workers) child.send("stop");
  await Promise.all(workers.map((child) => new Promise((resolve) => child.once("exit", resolve))));
  const wrong = records.flatMap((record, index) => {
    const id = all[index]!;
    const expected = cancelled.has(id) ? "cancelled" : "succeeded";
    const fine = record?.state === expected && (expected === "cancelled" || (record.attempt === 1 && record.result !== null));
    return fine ? [] : [{ id, expected, got: record && { state: record.state, attempt: record.attempt, result: record.result } }];
  });
  const counts: Record<string, number> = {};
  for (const record of records) counts[record?.state ?? "none"] = (counts[record?.state ?? "none"] ?? 0) + 1;
  console.log(JSON.stringify({ driver: driverRoot, workers: [rootA, rootB], jobs: all.length, waitingCancelled: waitingCancelled.length, runningCancelled: runningCancelled.length, counts, wrong }));
  await hopper.close();
  process.exit(wrong.length === 0 ? 0 : 1);
}
