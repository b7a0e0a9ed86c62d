import { Job, type JobContext } from "@hopper/core";

/** The job both sides of the hung-job exit suite share (same wire name and queue); times out after 200 ms. */
export function hungJobClass(queue: string, perform: (context: JobContext) => Promise<void>) {
  return class HungJob extends Job<Record<string, never>> {
    static override jobName = "HungJob";
    static override queue = queue;
    static override timeout = 200;
    async perform(_args: Record<string, never>, context: JobContext) {
      await perform(context);
    }
  };
}
