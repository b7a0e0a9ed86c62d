import { appendFileSync } from "node:fs";
import { IterableJob, type IterationContext } from "@hopper/core";

/** Items between checkpoints in the iteration run: a SIGKILL may repeat at most this many. */
export const iterationCheckpointItems = 500;

/**
 * The iterable job of the iteration run (parent and worker children share its wire name).
 * Every item appends `<item> <attempt>` to `ledgerFile` before it counts as processed: a
 * synchronous write, in the kernel once it returns, so a SIGKILL cannot hide an item.
 * `slowAfter` items into a process, each further item waits 20 ms: the parent signals
 * the process once it says "slow", at a known point, and a SIGTERM finds an item boundary soon.
 */
export function iterationJobClass(queue: string, ledgerFile: string, slowAfter: number, onSlow: () => void) {
  let processed = 0;
  return class IterationWalk extends IterableJob<{ count: number }> {
    static override jobName = "IterationWalk";
    static override queue = queue;
    // Checkpoints fall every 500 items exactly (no interval checkpoint is reached).
    static override iteration = { checkpointItems: iterationCheckpointItems, checkpointInterval: "1h" };
    async perform({ count }: { count: number }, context: IterationContext) {
      await context.iterate("items", (after: number | undefined) => items(after ?? 0, count), async (item) => {
        appendFileSync(ledgerFile, `${item} ${context.attempt}\n`);
        processed++;
        if (processed === slowAfter) onSlow();
        if (processed >= slowAfter) await new Promise((resolve) => setTimeout(resolve, 20));
      });
    }
  };
}

function* items(from: number, to: number): Iterable<readonly [number, number]> {
  for (let item = from; item < to; item++) yield [item, item + 1];
}
