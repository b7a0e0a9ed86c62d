// A process that runs one pushed job that ignores its timeout, with `hungJobExitMs`: it must exit with code 70 so its
// platform replaces it (push-hung-job.test.ts). Prints "running" once the job started.
import { encodeEnvelope, ENVELOPE_FORMAT_VERSION } from "../envelope/envelope.js";
import { createHopper } from "../hopper.js";
import { Job } from "../job.js";
import { createConsoleLogger } from "../logger.js";
import { createMemoryBackend } from "../memory/memory-backend.js";

class Stuck extends Job<Record<string, never>> {
  static override queue = "pushed";
  static override timeout = "50ms";
  async perform() {
    console.log("running");
    await new Promise(() => {}); // ignores its signal
  }
}
const hopper = createHopper({ backend: createMemoryBackend(), jobs: [Stuck], logger: createConsoleLogger("error") });
const body = encodeEnvelope({ hopper: ENVELOPE_FORMAT_VERSION, id: "stuck-1", job: "Stuck", version: 1, args: {}, queue: "pushed", priority: 0, enqueuedAt: new Date().toISOString(), attempt: 1, meta: {} });
// A push server's listening socket keeps its process alive; this timer stands in for it.
setInterval(() => {}, 1000);
void hopper.runMessage({ queue: "pushed", body, id: "m-1", deliveryAttempt: 1, hungJobExitMs: 200 });
