// The jobs module the CLI tests pass to --jobs: job classes, a schedules function.
import { Job, type Hopper, type JobContext } from "@hopper/core";

export class RecordVisit extends Job<{ n: number }> {
  static override queue = "cli-visits";
  async perform({ n }: { n: number }, context: JobContext) {
    // The test reads the worker's stdout to see which jobs ran.
    console.log(`performed ${n} attempt ${context.attempt}`);
  }
}

export class AlwaysFails extends Job<{ n: number }> {
  static override queue = "cli-failing";
  static override retry = { attempts: 1 };
  async perform(): Promise<void> {
    throw new Error("mail server said no");
  }
}

/** Every second, into the queue the test names. */
export function schedules(hopper: Hopper) {
  const queue = process.env.CLI_TEST_SCHEDULE_QUEUE;
  if (queue) hopper.schedule("every-second", "* * * * * *", RecordVisit, { n: -1 }, { enqueue: { queue } });
}
