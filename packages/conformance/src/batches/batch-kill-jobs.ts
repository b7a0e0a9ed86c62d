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
  class ChainFirst extends Job<Record<string, never>> {
    static override jobName = "ChainKillFirst";
    static override queue = queue;
    async perform() {
      onRun("first");
    }
  }
  class ChainSecond extends Job<Record<string, never>> {
    static override jobName = "ChainKillSecond";
    static override queue = queue;
    async perform() {
      onRun("second");
    }
  }
  return { KillChild, KillDone, ChainFirst, ChainSecond };
}

/** The jobs the fixture dies sending: a batch's callback, a chain's second step. */
const killedAtSend = new Set(["BatchKillDone", "ChainKillSecond"]);

/** In the fixture: the process kills itself as it sends the callback or the next step, after its claim was taken. */
export const killAtCallbackSend: Middleware = {
  async enqueue(context, next) {
    if (killedAtSend.has(context.jobName)) {
      process.stdout.write("claimed\n");
      process.kill(process.pid, "SIGKILL");
      await new Promise(() => {});
    }
    return next();
  },
};
