// Rough throughput figures for the README, until apps/bench covers Postgres:
//   node --conditions=@hopper/source --import tsx packages/postgres/bench/postgres-drain.ts [url] [jobs] [concurrency]
// Enqueues `jobs` no-op jobs in batches through the public API, then drains them with one worker.
import { randomUUID } from "node:crypto";
import { createHopper, Job } from "@hopper/core";
import { createBackendFromUrl } from "../src/index.js";

const [url = process.env.HOPPER_TEST_POSTGRES_URL ?? "pglite://memory", jobs = "50000", concurrency = "50"] = process.argv.slice(2);
const total = Number(jobs);
let done = 0;
let finished: () => void;
const allDone = new Promise<void>((resolve) => (finished = resolve));

class Noop extends Job<{ n: number }> {
  static override queue = "bench";
  async perform() {
    if (++done === total) finished();
  }
}

const schema = `bench_${randomUUID().replaceAll("-", "").slice(0, 8)}`;
const target = new URL(url);
target.searchParams.set("schema", schema);
const backend = await createBackendFromUrl(target);
const silent = { debug() {}, info() {}, warn() {}, error() {} };
const hopper = createHopper({ backend, jobs: [Noop], logger: silent });

let started = performance.now();
const args = Array.from({ length: total }, (_, n) => ({ n }));
for (let offset = 0; offset < total; offset += 10_000) await hopper.enqueueAll(Noop, args.slice(offset, offset + 10_000));
const enqueueSeconds = (performance.now() - started) / 1000;

started = performance.now();
const worker = hopper.worker({ concurrency: Number(concurrency), handleSignals: false });
const running = worker.run();
await allDone;
const drainSeconds = (performance.now() - started) / 1000;
await worker.stop();
await running;
await hopper.close();

console.log(`${backend.name}: enqueue ${total} jobs in ${enqueueSeconds.toFixed(2)} s (${Math.round(total / enqueueSeconds)}/s); drain at concurrency ${concurrency} in ${drainSeconds.toFixed(2)} s (${Math.round(total / drainSeconds)}/s)`);
if (target.protocol !== "pglite:") {
  const pg = (await import("pg")).default;
  const pool = new pg.Pool({ connectionString: url });
  await pool.query(`DROP SCHEMA "${schema}" CASCADE`);
  await pool.end();
}
