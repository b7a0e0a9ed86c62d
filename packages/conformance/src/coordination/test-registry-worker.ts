// A worker process for the worker registry suite: prints "ready" once running, then runs until killed or SIGTERM.
import { createConsoleLogger, createHopper, Job } from "@hopper/core";
import { loadCoordinationStore, type CoordinationStoreSource } from "./coordination-source.js";

class RegistryJob extends Job<Record<string, never>> {
  static override queue = process.env.FIXTURE_QUEUE!;
  static override version = 2;
  static override upgrades = { 1: (old: Record<string, never>) => old };
  async perform() {}
}

const source = JSON.parse(process.env.COORDINATION_SOURCE!) as CoordinationStoreSource;
const hopper = createHopper({ url: process.env.HOPPER_URL!, jobs: [RegistryJob], coordination: await loadCoordinationStore(source), logger: createConsoleLogger("error") });
await hopper.backend;
const worker = hopper.worker({ concurrency: 2, heartbeat: process.env.HEARTBEAT!, pollWait: "200ms" });
const running = worker.run();
process.stdout.write("ready\n");
await running;
await hopper.close();
