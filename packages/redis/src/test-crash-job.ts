// Test-only: the job the crash test's two workers share (same wire name, same queue).
import { Job, type JobContext } from "@hopper/core";

export type CrashPerform = (args: { n: number }, context: JobContext) => Promise<void>;

export function crashJobClass(queue: string, perform: CrashPerform) {
  return class CrashJob extends Job<{ n: number }> {
    static override jobName = "CrashJob";
    static override queue = queue;
    async perform(args: { n: number }, context: JobContext) {
      await perform(args, context);
    }
  };
}
