// A worker process for the SIGTERM test: runs one slow job and reports each step on stdout.
import { createConsoleLogger, createHopper, Job } from "@hopper/core";

class SlowJob extends Job<Record<string, never>> {
  static override queue = "sigterm";
  async perform() {
    console.log("job started");
    await new Promise((resolve) => setTimeout(resolve, 300));
    console.log("job finished");
  }
}

const hopper = createHopper({ url: "memory://sigterm", jobs: [SlowJob], logger: createConsoleLogger("silent") });
await SlowJob.performLater({});
await hopper.worker({ pollWait: 50, shutdownTimeout: "10s" }).run();
console.log("worker stopped");
await hopper.close();
