import { IterableJob, type IterationContext } from "@hopper/core";
import { countingRange } from "../iteration/counting-range.js";

/** Items between checkpoints in the kill suite: a SIGKILL may repeat at most this many. */
export const killSuiteCheckpointItems = 100;

/** The iterable job both sides of the kill suite share (same wire name and queue), checkpointing by item count only. */
export function iteratingJobClass(queue: string, onItem: (item: number, attempt: number) => Promise<void> | void) {
  return class CountingWalk extends IterableJob<{ count: number }> {
    static override jobName = "CountingWalk";
    static override queue = queue;
    // A checkpoint interval no test reaches: checkpoints fall every 100 items exactly.
    static override iteration = { checkpointItems: killSuiteCheckpointItems, checkpointInterval: "1h" };
    async perform({ count }: { count: number }, context: IterationContext) {
      await context.iterate("items", (after: number | undefined) => countingRange(after ?? 0, count), (item) => onItem(item, context.attempt));
    }
  };
}
