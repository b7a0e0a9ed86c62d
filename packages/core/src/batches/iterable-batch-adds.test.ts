// An iterable job of a batch that adds a job per item: its slices resume at later items, and each slice's adds once
// took the ids of the first slice's (a count from the run's start), already finished, so they were skipped as added:
// later items' jobs were never sent and the batch reported success.
import { expect, it } from "vitest";
import { createHopper } from "../hopper.js";
import { IterableJob, type IterationContext } from "../iteration/iterable-job.js";
import { Job } from "../job.js";
import { createConsoleLogger } from "../logger.js";
import { until } from "../test-fixtures/until.js";

it("every item's added job is sent once, across slices, and the batch succeeds only once they all ran", { timeout: 30_000 }, async () => {
  const scope = `iterable-adds-${Date.now().toString(36)}`;
  const ran: number[] = [];
  let callbacks = 0;
  class Row extends Job<{ n: number }> {
    static override queue = `${scope}-rows`;
    async perform({ n }: { n: number }) {
      ran.push(n);
    }
  }
  class Fanout extends IterableJob<{ count: number }> {
    static override queue = `${scope}-fan`;
    static override iteration = { maxSliceTime: "150ms" };
    async perform({ count }: { count: number }, context: IterationContext) {
      await context.iterate(
        "rows",
        function* (after: number | undefined) {
          for (let n = (after ?? 0) + 1; n <= count; n++) yield [n, n] as const;
        },
        async (n) => {
          await context.batch!.add(Row, { n });
          await new Promise((resolve) => setTimeout(resolve, 60));
        },
      );
    }
  }
  class Done extends Job<Record<string, never>> {
    static override queue = `${scope}-rows`;
    async perform() {
      callbacks += 1;
    }
  }
  const hopper = createHopper({ url: `memory://${scope}`, jobs: [Row, Fanout, Done], logger: createConsoleLogger("silent") });
  const batch = await hopper.batch({ onSuccess: [Done, {}] });
  await batch.add(Fanout, { count: 9 });
  await batch.seal();
  const worker = hopper.worker({ queues: [Fanout.queue, Row.queue], pollWait: 20, handleSignals: false });
  const running = worker.run();
  try {
    await until(() => callbacks === 1, "the batch's onSuccess", 20_000);
  } finally {
    await worker.stop();
    await running;
    await hopper.close();
  }
  expect(ran.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  expect(callbacks).toBe(1);
});
