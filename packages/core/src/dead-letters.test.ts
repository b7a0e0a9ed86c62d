import { afterEach, expect, it } from "vitest";
import { UnrecoverableError } from "./errors/unrecoverable-error.js";
import { createHopper, type Hopper } from "./hopper.js";
import { Job } from "./job.js";
import { createConsoleLogger } from "./logger.js";
import { createMemoryBackend } from "./memory/memory-backend.js";

let failing = true;
class Flaky extends Job<{ n: number }> {
  static override queue = "dead-selection";
  async perform({ n }: { n: number }) {
    if (failing) throw new UnrecoverableError(`no ${n}`);
  }
}

const hoppers: Hopper[] = [];
afterEach(async () => {
  await Promise.all(hoppers.splice(0).map((hopper) => hopper.close()));
});

async function runUntilIdle(hopper: Hopper, done: () => Promise<boolean>): Promise<void> {
  const worker = hopper.worker({ handleSignals: false, pollWait: "20ms" });
  const running = worker.run();
  for (let tries = 0; tries < 400 && !(await done()); tries += 1) await new Promise((resolve) => setTimeout(resolve, 25));
  await worker.stop();
  await running;
}

it("takes and retries only the dead letters named by id, leaves the others, and counts them in queues.list()", async () => {
  failing = true;
  const hopper = createHopper({ backend: createMemoryBackend(), jobs: [Flaky], logger: createConsoleLogger("silent") });
  hoppers.push(hopper);
  const [a, b, c] = await Flaky.performAllLater([{ n: 1 }, { n: 2 }, { n: 3 }]);
  const dead = async () => (await hopper.queues.list())[0]?.dead;
  await runUntilIdle(hopper, async () => (await dead()) === 3);
  expect(await hopper.queues.list()).toMatchObject([{ name: "dead-selection", dead: 3, stats: { ready: 0 } }]);

  const letters = hopper.deadLetters("dead-selection");
  expect((await letters.take({ max: 10, ids: [b!] })).map((letter) => letter.id)).toEqual([b]);
  failing = false;
  expect(await letters.retry({ max: 10, ids: [c!, "no-such-id"] })).toBe(1);
  expect((await letters.peek({ max: 10 })).map((letter) => letter.id)).toEqual([a]);
  expect(await hopper.queues.list()).toMatchObject([{ dead: 1, stats: { ready: 1 } }]);
  await expect(letters.take({ ids: "a" as unknown as string[] })).rejects.toThrow(/ids/);
  // Refused before receiving: the remaining letter is not left leased.
  expect((await letters.peek({ max: 10 })).map((letter) => letter.id)).toEqual([a]);
});
