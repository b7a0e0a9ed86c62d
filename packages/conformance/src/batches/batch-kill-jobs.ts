import { Job, type Middleware } from "@hopper/core";

/** The jobs both sides of the batch kill suite share (same wire names and queue). */
export function batchKillJobs(queue: string, onRun: (name: string) => void) {
  class KillChild extends Job<{ n: number }> {
    static override jobName = "BatchKillChild";
    static override queue = queue;
    async perform({ n }: { n: number }) {
      onRun(`child:${n}`);
    }
  }
  class KillDone extends Job<Record<string, never>> {
    static override jobName = "BatchKillDone";
    static override queue = queue;
    async perform() {
      onRun("done");
    }
  }
  return { KillChild, KillDone };
}

/** In the fixture: the process kills itself as it sends the callback, after its claim was taken. */
export const killAtCallbackSend: Middleware = {
  async enqueue(context, next) {
    if (context.jobName === "BatchKillDone") {
      process.stdout.write("claimed\n");
      process.kill(process.pid, "SIGKILL");
      await new Promise(() => {});
    }
    return next();
  },
};
