// A process with four Hoppers (hung-exit-participants.test.ts): A's job ignores its timeout and ends the process with
// code 70, pushed (`node hung-exit-participants.ts push`, runMessage's hungJobExitMs) or in a worker (`… worker`,
// exitOnHungJob); B's worker and C's pushed run each have a job still going; D's worker was stopped, its job ignoring
// the abort, so stop() returned with the run still going. Every Hopper's middleware prints "<layer> wrote out" in its
// beforeExit; one layer is shared by A and B. Prints "<job> running" as each job starts.
import { encodeEnvelope, ENVELOPE_FORMAT_VERSION } from "../envelope/envelope.js";
import { createHopper } from "../hopper.js";
import { Job } from "../job.js";
import { createConsoleLogger } from "../logger.js";
import { createMemoryBackend } from "../memory/memory-backend.js";
import type { Middleware } from "../middleware.js";

const mode = process.argv[2];
const layer = (name: string): Middleware => ({ beforeExit: async () => void console.log(`${name} wrote out`) });
const shared = layer("shared");
const never = () => new Promise(() => {});

class Stuck extends Job<Record<string, never>> {
  static override queue = "a";
  static override timeout = "50ms";
  async perform() {
    console.log("Stuck running");
    await never(); // ignores its signal
  }
}
class Busy extends Job<Record<string, never>> {
  static override queue = "b";
  async perform() {
    console.log("Busy running");
    await never();
  }
}
class Pushed extends Job<Record<string, never>> {
  static override queue = "c";
  async perform() {
    console.log("Pushed running");
    await never();
  }
}
class Deaf extends Job<Record<string, never>> {
  static override queue = "d";
  async perform() {
    console.log("Deaf running");
    await never(); // ignores the stop's abort
  }
}
const logger = createConsoleLogger("silent");
const a = createHopper({ backend: createMemoryBackend(), jobs: [Stuck], logger, middleware: [layer("A"), shared] });
const b = createHopper({ backend: createMemoryBackend(), jobs: [Busy], logger, middleware: [layer("B"), shared] });
const c = createHopper({ backend: createMemoryBackend(), jobs: [Pushed], logger, middleware: [layer("C")] });
const d = createHopper({ backend: createMemoryBackend(), jobs: [Deaf], logger, middleware: [layer("D")] });
const pushed = (job: string, queue: string) => ({
  queue,
  id: `${job}-1`,
  deliveryAttempt: 1,
  body: encodeEnvelope({ hopper: ENVELOPE_FORMAT_VERSION, id: `${job}-1`, job, version: 1, args: {}, queue, priority: 0, enqueuedAt: new Date().toISOString(), attempt: 1, meta: {} }),
});
// A push server's listening socket keeps its process alive; this timer stands in for it.
setInterval(() => {}, 1000);

await Busy.performLater({});
void b.worker({ queues: ["b"], handleSignals: false, shutdownTimeout: "100ms" }).run();
void c.runMessage(pushed("Pushed", "c"));
await Deaf.performLater({});
const stopped = d.worker({ queues: ["d"], handleSignals: false, shutdownTimeout: "50ms" });
const stoppedRun = stopped.run();
while (stopped.activeCount === 0) await new Promise((resolve) => setTimeout(resolve, 10));
await stopped.stop();
await stoppedRun;
// A's job starts once the others run: their runs are under way when it hangs.
await new Promise((resolve) => setTimeout(resolve, 300));
if (mode === "push") {
  void a.runMessage({ ...pushed("Stuck", "a"), hungJobExitMs: 200 });
} else {
  await Stuck.performLater({});
  void a.worker({ queues: ["a"], handleSignals: false, shutdownTimeout: "100ms", exitOnHungJob: "200ms" }).run();
}
