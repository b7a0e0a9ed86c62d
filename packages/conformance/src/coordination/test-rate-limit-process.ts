// A worker process for the rate-limit accuracy suite: records each perform's start as a JSON line in RECORD_FILE,
// and each rate slot the coordination store granted (its start on the store's clock) in ADMISSIONS_FILE.
import { appendFileSync } from "node:fs";
import { createConsoleLogger, createHopper, Job, type JobContext } from "@hopper/core";
import { loadCoordinationStore, type CoordinationStoreSource } from "./coordination-source.js";

const queue = process.env.FIXTURE_QUEUE!;
const recordFile = process.env.RECORD_FILE!;
const admissionsFile = process.env.ADMISSIONS_FILE!;

class LimitedJob extends Job<Record<string, never>> {
  static override queue = queue;
  static override rateLimit = { limit: Number(process.env.RATE_LIMIT), per: "1s", burst: Number(process.env.RATE_BURST) };
  async perform(_args: Record<string, never>, context: JobContext) {
    appendFileSync(recordFile, `${JSON.stringify({ jobId: context.jobId, attempt: context.attempt, at: Date.now() })}\n`);
  }
}

const source = JSON.parse(process.env.COORDINATION_SOURCE!) as CoordinationStoreSource;
const coordination = await loadCoordinationStore(source);
// The store's own decisions, as the store made them: what the limit is measured on.
const takeRateSlot = coordination.takeRateSlot.bind(coordination);
coordination.takeRateSlot = async (key, options) => {
  const slot = await takeRateSlot(key, options);
  if (slot.admitted) appendFileSync(admissionsFile, `${JSON.stringify({ startsAtMs: slot.startsAtMs })}\n`);
  return slot;
};
const hopper = createHopper({ url: process.env.HOPPER_URL!, jobs: [LimitedJob], coordination, logger: createConsoleLogger("error") });
await hopper.backend;
const worker = hopper.worker({ queues: [queue], concurrency: 20, handleSignals: true });
process.stdout.write("ready\n");
await worker.run();
await hopper.close();
