import { afterEach, expect, it } from "vitest";
import { DEAD_LETTER_FORMAT_VERSION } from "./dead-letters.js";
import { ENVELOPE_FORMAT_VERSION } from "./envelope/envelope.js";
import { UnrecoverableError } from "./errors/unrecoverable-error.js";
import { createHopper, type Hopper } from "./hopper.js";
import { Job } from "./job.js";
import { createConsoleLogger } from "./logger.js";
import { createMemoryBackend } from "./memory/memory-backend.js";
import { deadLetterQueueName } from "./names.js";

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

it("refuses a selection it cannot honour before receiving anything, naming the field (a misspelt max must not mean 10)", async () => {
  failing = true;
  // A store of its own: the default memory store is shared by the process, and the test above leaves a letter in it.
  const hopper = createHopper({ backend: createMemoryBackend({ store: "dead-selection-refusals" }), jobs: [Flaky], logger: createConsoleLogger("silent") });
  hoppers.push(hopper);
  const [id] = await Flaky.performAllLater([{ n: 1 }]);
  await runUntilIdle(hopper, async () => (await hopper.queues.list())[0]?.dead === 1);
  const letters = hopper.deadLetters("dead-selection");
  const refusals: [() => Promise<unknown>, RegExp][] = [
    [() => letters.peek({ max: -1 }), /max: must be a whole number ≥ 1.*got -1/],
    [() => letters.peek({ max: 0 }), /max: must be a whole number ≥ 1/],
    [() => letters.take({ max: 2.5 }), /max: must be a whole number ≥ 1.*got 2\.5/],
    [() => letters.retry({ max: Number.NaN }), /max: must be a whole number ≥ 1/],
    [() => letters.peek({ maxx: 5 } as never), /maxx: "maxx" is not an option of deadLetters\(\)\.peek\(\): use one of max, waitMs/],
    [() => letters.peek({ ids: [id!] } as never), /ids: "ids" is not an option of deadLetters\(\)\.peek\(\)/],
    [() => letters.peek(null as never), /options: deadLetters\(\)\.peek\(\) takes an object such as \{ max: 10 \}, got null/],
    [() => letters.take({ waitMs: -5 }), /waitMs: must be whole milliseconds from 0 to 2147483647, got -5/],
    [() => letters.retry({ waitMs: 2 ** 31 }), /waitMs: must be whole milliseconds/],
    [() => letters.take({ ids: "abc" as never }), /ids: must be a list of job ids/],
  ];
  for (const [call, message] of refusals) await expect(call()).rejects.toThrow(message);
  // Nothing was received by the refused calls: the letter is still there to take at once (no lease to wait out).
  expect((await letters.take({ max: 10 })).map((letter) => letter.id)).toEqual([id]);
});

// Found by the cockpit review of 2026-12-07: letters retry could not move (undecodable, or addressed to another queue)
// at the head of the dead-letter queue came back at once and were received again, so retry stopped there, moving none.
it("retry goes past letters it cannot move, holding them until it ends, and reports each once with its reason", async () => {
  failing = true;
  const backend = createMemoryBackend({ store: "dead-letters-past-unretryable" });
  const hopper = createHopper({ backend, jobs: [Flaky], logger: createConsoleLogger("silent") });
  hoppers.push(hopper);
  const deadQueue = deadLetterQueueName("dead-selection");
  // Two letters no retry may move, written first so they sit at the head.
  await backend.enqueue([
    { id: "junk", queue: deadQueue, body: "not json" },
    { id: "foreign", queue: deadQueue, body: JSON.stringify({ hopperDeadLetter: DEAD_LETTER_FORMAT_VERSION, id: "foreign", queue: "elsewhere", job: "Flaky", reason: "attempts exhausted", error: { name: "Error", message: "no" }, attempt: 1, failedAt: new Date().toISOString(), envelope: { hopper: ENVELOPE_FORMAT_VERSION, id: "foreign", job: "Flaky", version: 1, args: { n: 9 }, queue: "elsewhere", priority: 0, enqueuedAt: new Date().toISOString(), attempt: 1, meta: {} }, body: null }) },
  ]);
  const ids = await Flaky.performAllLater([{ n: 1 }, { n: 2 }, { n: 3 }]);
  await runUntilIdle(hopper, async () => (await backend.stats!(deadQueue)).ready === 5);

  const letters = hopper.deadLetters("dead-selection");
  const outcomes = [];
  // The first receive (max 3) brings the two it cannot move and one job; they must not come back in the next ones.
  for await (const outcome of letters.retryEach({ max: 3 })) outcomes.push(outcome);
  expect(outcomes.filter((outcome) => outcome.moved).map((outcome) => outcome.letter.id).sort()).toEqual([...ids].sort());
  expect(outcomes.filter((outcome) => !outcome.moved).map((outcome) => [outcome.letter.id, outcome.moved ? "" : outcome.reason])).toEqual([
    ["junk", expect.stringMatching(/not a Hopper dead letter/)],
    ["foreign", expect.stringMatching(/names queue "elsewhere", not dead-selection/)],
  ]);
  // Handed back when it ended: both are there to list at once, and retry() counts only the moved.
  expect(await backend.stats!(deadQueue)).toEqual({ ready: 2, delayed: 0, inFlight: 0 });
  expect(await letters.retry({ max: 10 })).toBe(0);
  expect((await letters.peek({ max: 10 })).map((letter) => letter.id).sort()).toEqual(["foreign", "junk"]);
});
