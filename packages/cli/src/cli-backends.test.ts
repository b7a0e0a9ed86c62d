import { randomBytes } from "node:crypto";
import { createConsoleLogger, createHopper, DEAD_LETTER_FORMAT_VERSION, deadLetterQueueName, ENVELOPE_FORMAT_VERSION, type Hopper } from "@hopper/core";
import { requireService } from "@hopper/services";
import { afterEach, describe, expect, it } from "vitest";
import { AlwaysFails, RecordVisit } from "./test-fixtures/cli-jobs.js";
import { fixtureJobs, fixtureJobsWithRecords, runCliProcess, startCli, type CliRun } from "./test-cli.js";

const postgresUrl = requireService("postgres")?.HOPPER_TEST_POSTGRES_URL;
const targets = [
  { name: "redis", url: requireService("redis")?.HOPPER_TEST_REDIS_URL },
  // One schema for every run of this file; each test has queues of its own.
  { name: "postgres", url: postgresUrl && `${postgresUrl}?schema=hopper_cli_test` },
];

/** A dead letter's body as the core writes it, for a job of `queue` that failed for good. */
function deadLetterBody(queue: string, id: string): string {
  const envelope = { hopper: ENVELOPE_FORMAT_VERSION, id, job: "AlwaysFails", version: 1, args: { n: 0 }, queue, priority: 0, enqueuedAt: new Date().toISOString(), attempt: 1, meta: {} };
  return JSON.stringify({ hopperDeadLetter: DEAD_LETTER_FORMAT_VERSION, id, queue, job: "AlwaysFails", reason: "attempts exhausted", error: { name: "Error", message: "mail server said no" }, attempt: 1, failedAt: new Date().toISOString(), envelope, body: null });
}

const uniqueQueue = (label: string) => `cli-${label}-${randomBytes(4).toString("hex")}`;
const silent = createConsoleLogger("silent");

for (const target of targets) {
  describe.skipIf(!target.url)(`hopper on ${target.name}`, () => {
    const url = target.url!;
    const opened: Hopper[] = [];
    const running: CliRun[] = [];
    const hopperForTest = () => {
      const hopper = createHopper({ url, jobs: [RecordVisit, AlwaysFails], logger: silent });
      opened.push(hopper);
      return hopper;
    };
    afterEach(async () => {
      // A failed test must not leave a worker running.
      for (const run of running.splice(0)) if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill("SIGKILL");
      await Promise.all(opened.splice(0).map((hopper) => hopper.close()));
    });
    const stats = async (hopper: Hopper, queue: string) => (await hopper.backend).stats!(queue);
    const waitFor = async (condition: () => Promise<boolean>, what: string) => {
      for (let tries = 0; !(await condition()); tries++) {
        if (tries > 600) throw new Error(`gave up waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };

    it("worker runs the jobs enqueued by the test and exits 0 on SIGTERM", { timeout: 90_000 }, async () => {
      const hopper = hopperForTest();
      const queue = uniqueQueue("worker");
      await RecordVisit.set({ queue }).performAllLater([{ n: 1 }, { n: 2 }, { n: 3 }]);

      const worker = startCli(["worker", "--url", url, "--jobs", fixtureJobs, "--queues", queue, "--concurrency", "2", "--poll-wait", "200ms"]);
      running.push(worker);
      await worker.waitForStdout((stdout) => stdout.match(/^performed \d/gm)?.length === 3);
      worker.child.kill("SIGTERM");
      const result = await worker.exited;

      expect(result.code).toBe(0);
      expect(result.stdout.trim().split("\n").sort()).toEqual(["performed 1 attempt 1", "performed 2 attempt 1", "performed 3 attempt 1"]);
      expect(result.stderr).toContain("worker started on");
      expect(result.stderr).toContain(`"queues":["${queue}"]`);
      expect(result.stderr).toContain("worker stopped");
      expect(await stats(hopper, queue)).toEqual({ ready: 0, delayed: 0, inFlight: 0 });
    });

    it("worker goes on running jobs once its stdout reader goes away (| head -1), and still stops cleanly on SIGTERM", { timeout: 90_000 }, async () => {
      const hopper = hopperForTest();
      const queue = uniqueQueue("pipe");
      await RecordVisit.set({ queue }).performLater({ n: 1 });
      const worker = startCli(["worker", "--url", url, "--jobs", fixtureJobs, "--queues", queue, "--poll-wait", "200ms"]);
      running.push(worker);
      await worker.waitForStdout("performed 1 attempt 1");
      worker.child.stdout.destroy();
      // Each of these jobs writes to the closed pipe (EPIPE); the worker must neither crash nor stop as a print command would.
      await RecordVisit.set({ queue }).performAllLater([{ n: 2 }, { n: 3 }, { n: 4 }]);
      await waitFor(async () => JSON.stringify(await stats(hopper, queue)) === JSON.stringify({ ready: 0, delayed: 0, inFlight: 0 }), "the worker to run the jobs sent after its reader went away");
      expect(worker.child.exitCode).toBeNull();
      worker.child.kill("SIGTERM");
      const result = await worker.exited;
      expect(result.code).toBe(0);
      expect(result.stderr).not.toMatch(/EPIPE|Unhandled 'error'/);
      expect(result.stderr).toContain("worker stopped");
    });

    it("stats prints ready, delayed, in flight and dead per queue, as a table and as --json", { timeout: 60_000 }, async () => {
      hopperForTest(); // binds the job classes for performLater
      const [busy, idle] = [uniqueQueue("busy"), uniqueQueue("idle")];
      await RecordVisit.set({ queue: busy }).performAllLater([{ n: 1 }, { n: 2 }]);
      await RecordVisit.set({ queue: busy, wait: "1h" }).performLater({ n: 3 });

      const json = await runCliProcess(["stats", "--queues", `${busy},${idle}`, "--json"], { HOPPER_URL: url });
      expect(json.code).toBe(0);
      const parsed = JSON.parse(json.stdout) as { backend: string; queues: unknown[] };
      expect(parsed.queues).toEqual([
        { queue: busy, ready: 2, delayed: 1, inFlight: 0, dead: 0 },
        { queue: idle, ready: 0, delayed: 0, inFlight: 0, dead: 0 },
      ]);
      expect(typeof parsed.backend).toBe("string");

      const human = await runCliProcess(["stats", "--url", url, "--queues", busy]);
      expect(human.code).toBe(0);
      const lines = human.stdout.trim().split("\n").map((line) => line.split(/\s{2,}/));
      expect(lines).toEqual([
        ["QUEUE", "READY", "DELAYED", "IN FLIGHT", "DEAD"],
        [busy, "2", "1", "0", "0"],
      ]);
    });

    it("stats --watch --json prints one line per sample until SIGINT, then exits 0", { timeout: 60_000 }, async () => {
      hopperForTest();
      const queue = uniqueQueue("watch");
      await RecordVisit.set({ queue }).performLater({ n: 1 });
      const watch = startCli(["stats", "--url", url, "--queues", queue, "--watch", "--interval", "100ms", "--json"]);
      running.push(watch);
      await watch.waitForStdout((stdout) => stdout.split("\n").length > 2);
      watch.child.kill("SIGINT");
      const result = await watch.exited;
      expect(result.code).toBe(0);
      const samples = result.stdout.trim().split("\n").map((line) => JSON.parse(line) as { queues: unknown[] });
      expect(samples.length).toBeGreaterThanOrEqual(2);
      for (const sample of samples) expect(sample.queues).toEqual([{ queue, ready: 1, delayed: 0, inFlight: 0, dead: 0 }]);
    });

    it("queues pause reaches two worker processes (each says when its poll saw it), list shows it, resume drains; bad names exit 2", { timeout: 180_000 }, async () => {
      // Binds the job classes for performLater; a loaded test machine may take longer than the default 5 s to answer an enqueue.
      opened.push(createHopper({ url, jobs: [RecordVisit, AlwaysFails], logger: silent, connectTimeout: "30s" }));
      // The fixture's own queue: pause knows the --jobs module's queues. Each run's jobs carry numbers of their own.
      const queue = RecordVisit.queue;
      const base = Math.floor(Math.random() * 1e9);
      const pauseCheck = 200;
      const workers = [0, 1].map(() => startCli(["worker", "--url", url, "--jobs", fixtureJobs, "--queues", queue, "--concurrency", "2", "--poll-wait", "200ms", "--pause-check", `${pauseCheck}ms`]));
      running.push(...workers);
      const performed = (n: number) => workers.some((worker) => worker.output.stdout.includes(`performed ${n} attempt`));
      await RecordVisit.performLater({ n: base });
      await waitFor(async () => performed(base), "a worker to run the first job");

      const paused = await runCliProcess(["queues", "pause", queue, "--jobs", fixtureJobs], { HOPPER_URL: url });
      expect(paused.code, paused.stderr).toBe(0);
      const listed = await runCliProcess(["queues", "list", "--jobs", fixtureJobs, "--json"], { HOPPER_URL: url });
      expect((JSON.parse(listed.stdout) as { queues: unknown[] }).queues).toContainEqual(expect.objectContaining({ name: queue, paused: true }));
      // Each worker says so once its --pause-check poll has seen the pause (a loaded test machine may take a while).
      const sawPause = (worker: (typeof workers)[number]) => new RegExp(`queue pauses changed.*"paused":\\[[^\\]]*"${queue}"`).test(`${worker.output.stdout}${worker.output.stderr}`);
      await waitFor(async () => workers.every(sawPause), "both workers to see the pause");
      const later = [1, 2, 3, 4, 5].map((n) => base + n);
      await RecordVisit.performAllLater(later.map((n) => ({ n })));
      await new Promise((resolve) => setTimeout(resolve, 2000));
      expect(later.filter(performed), "jobs enqueued after the pause took effect that ran while paused").toEqual([]);

      const resumed = await runCliProcess(["queues", "resume", queue, "--jobs", fixtureJobs, "--url", url]);
      expect(resumed.code, resumed.stderr).toBe(0);
      await waitFor(async () => later.every(performed), "the queue to drain after resume");

      const unknown = await runCliProcess(["queues", "pause", "no-such-queue", "--jobs", fixtureJobs], { HOPPER_URL: url });
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toContain("no registered job uses queue \"no-such-queue\"");
      const malformed = await runCliProcess(["queues", "resume", "9-not-a-name", "--jobs", fixtureJobs], { HOPPER_URL: url });
      expect(malformed.code).toBe(2);
      expect(malformed.stderr).toContain("is not a valid queue name");
      for (const worker of workers) worker.child.kill("SIGTERM");
      for (const worker of workers) expect((await worker.exited).code).toBe(0);
    });

    it("dead-letters list, retry and discard work on the letters a worker left", { timeout: 90_000 }, async () => {
      const hopper = hopperForTest();
      const queue = uniqueQueue("dead");
      await AlwaysFails.set({ queue }).performAllLater([{ n: 1 }, { n: 2 }, { n: 3 }]);
      const worker = hopper.worker({ queues: [queue], pollWait: 100, handleSignals: false });
      const working = worker.run();
      await waitFor(async () => (await stats(hopper, deadLetterQueueName(queue))).ready === 3, "three dead letters");
      await worker.stop();
      await working;

      const listed = await runCliProcess(["dead-letters", "list", queue, "--url", url, "--json"]);
      expect(listed.code).toBe(0);
      const { deadLetters } = JSON.parse(listed.stdout) as { deadLetters: { job: string; queue: string; error: { message: string }; envelope: { args: unknown } }[] };
      expect(deadLetters.map((letter) => [letter.job, letter.queue, letter.error.message])).toEqual(Array(3).fill(["AlwaysFails", queue, "mail server said no"]));
      expect(deadLetters.map((letter) => letter.envelope.args)).toEqual(expect.arrayContaining([{ n: 1 }, { n: 2 }, { n: 3 }]));

      const human = await runCliProcess(["dead-letters", "list", queue, "--url", url]);
      expect(human.code).toBe(0);
      expect(human.stdout).toMatch(/^ID\s+JOB\s+ATTEMPT\s+FAILED AT\s+REASON\s+ERROR\n/);
      expect(human.stdout.match(/AlwaysFails +1 +\S+ +.+ +Error: mail server said no/g)).toHaveLength(3);

      const retried = await runCliProcess(["dead-letters", "retry", queue, "--url", url, "--max", "1"]);
      expect(retried).toMatchObject({ code: 0, stdout: `1 dead letter moved back to ${queue}\n` });
      expect(await stats(hopper, queue)).toEqual({ ready: 1, delayed: 0, inFlight: 0 });

      const refused = await runCliProcess(["dead-letters", "discard", queue, "--url", url]);
      expect(refused.code).toBe(2);
      const discarded = await runCliProcess(["dead-letters", "discard", queue, "--url", url, "--yes", "--json"]);
      expect(discarded.code).toBe(0);
      expect(JSON.parse(discarded.stdout)).toMatchObject({ queue, discarded: 2 });
      expect(await stats(hopper, deadLetterQueueName(queue))).toEqual({ ready: 0, delayed: 0, inFlight: 0 });

      const empty = await runCliProcess(["dead-letters", "list", queue, "--url", url]);
      expect(empty).toMatchObject({ code: 0, stdout: `no dead letters in ${queue}\n` });
    });

    // Found by the cockpit review of 2026-12-07 (the next stop): --timeout bounded the whole retry, which then closed
    // the connection between a letter's send and its ack (the job both queued and dead) and exited 1 saying nothing.
    it("dead-letters retry of thousands bounds each step by --timeout, not the whole, and leaves no letter twice", { timeout: 120_000 }, async () => {
      const hopper = hopperForTest();
      const queue = uniqueQueue("deadmany");
      const backend = await hopper.backend;
      // 3,000 dead letters as a worker writes them, sent straight to the dead-letter queue.
      const letters = Array.from({ length: 3000 }, (_, n) => ({ id: `letter-${n}`, queue: deadLetterQueueName(queue), body: deadLetterBody(queue, `letter-${n}`) }));
      for (let from = 0; from < letters.length; from += 500) await backend.enqueue(letters.slice(from, from + 500));
      const retried = await runCliProcess(["dead-letters", "retry", queue, "--url", url, "--max", "3000", "--timeout", "500ms", "--json"]);
      expect({ code: retried.code, stdout: JSON.parse(retried.stdout || "{}") }).toEqual({ code: 0, stdout: { queue, retried: 3000, left: [] } });
      expect(await stats(hopper, queue)).toMatchObject({ ready: 3000 });
      expect(await stats(hopper, deadLetterQueueName(queue))).toEqual({ ready: 0, delayed: 0, inFlight: 0 });
    });

    // Found by the cockpit review of 2026-12-07 (the next stop): letters retry cannot move at the head of the dead-letter
    // queue came back at once, so retry stopped there and said "0 moved" with exit 0.
    it("dead-letters retry goes past letters it cannot move, lists them with the reason, and exits 1", { timeout: 90_000 }, async () => {
      const hopper = hopperForTest();
      const queue = uniqueQueue("deadleft");
      const backend = await hopper.backend;
      await backend.enqueue([
        { id: "junk", queue: deadLetterQueueName(queue), body: "not json" },
        { id: "foreign", queue: deadLetterQueueName(queue), body: deadLetterBody("elsewhere", "foreign") },
      ]);
      await backend.enqueue(["a", "b", "c"].map((id) => ({ id, queue: deadLetterQueueName(queue), body: deadLetterBody(queue, id) })));
      const retried = await runCliProcess(["dead-letters", "retry", queue, "--url", url, "--max", "3", "--json"]);
      expect(retried.code).toBe(1);
      expect(JSON.parse(retried.stdout)).toEqual({
        queue,
        retried: 3,
        left: [
          { id: "junk", job: null, reason: "not a Hopper dead letter" },
          { id: "foreign", job: "AlwaysFails", reason: `its envelope names queue "elsewhere", not ${queue}` },
        ],
      });
      expect(await stats(hopper, queue)).toMatchObject({ ready: 3 });
      // Handed back as the command ended: the two are there at once for list and discard.
      expect(await stats(hopper, deadLetterQueueName(queue))).toEqual({ ready: 2, delayed: 0, inFlight: 0 });
      const human = await runCliProcess(["dead-letters", "retry", queue, "--url", url]);
      expect(human.code).toBe(1);
      expect(human.stdout).toMatch(new RegExp(`^0 dead letters moved back to ${queue}; 2 left in place \\(see them with hopper dead-letters list ${queue}; discard or fix them\\):\nID +JOB +LEFT IN PLACE BECAUSE\n`));
      expect(human.stdout).toMatch(/junk +\(undecodable\) +not a Hopper dead letter/);
    });

    // Found by the cockpit review of 2026-12-07 (the next stop): a CLI worker could not turn records on, so with an app
    // that had them on a cancelled waiting job ran anyway and finished jobs' records stayed `waiting` for good.
    it("worker writes job records when the jobs module's hopperOptions turn them on: a cancelled job does not run", { timeout: 90_000 }, async () => {
      const hopper = createHopper({ url, jobs: [RecordVisit, AlwaysFails], logger: silent, records: {} });
      opened.push(hopper);
      const queue = uniqueQueue("records");
      const [kept, cancelled] = await RecordVisit.set({ queue }).performAllLater([{ n: 1 }, { n: 2 }]);
      expect(await hopper.jobs.cancel(cancelled!)).toMatchObject({ cancelled: true });
      const worker = startCli(["worker", "--url", url, "--jobs", fixtureJobsWithRecords, "--queues", queue, "--poll-wait", "200ms"]);
      running.push(worker);
      expect(await hopper.jobs.wait(kept!, { timeout: "60s" })).toMatchObject({ state: "succeeded", attempt: 1 });
      worker.child.kill("SIGTERM");
      const exited = await worker.exited;
      expect(exited.code).toBe(0);
      expect(exited.stdout).toMatch(/performed 1/);
      expect(exited.stdout).not.toMatch(/performed 2/);
      expect(await hopper.jobs.get(cancelled!)).toMatchObject({ state: "cancelled" });
    });

    it("jobs list shows the dead jobs from the records, a page at a time; a state it cannot list exits 2", { timeout: 90_000 }, async () => {
      const hopper = createHopper({ url, jobs: [RecordVisit, AlwaysFails], logger: silent, records: {} });
      opened.push(hopper);
      const queue = uniqueQueue("list");
      const ids = await AlwaysFails.set({ queue }).performAllLater([{ n: 1 }, { n: 2 }, { n: 3 }]);
      const worker = hopper.worker({ queues: [queue], pollWait: 100, handleSignals: false });
      const working = worker.run();
      for (const id of ids) await hopper.jobs.wait(id, { timeout: "60s" });
      await worker.stop();
      await working;

      const first = await runCliProcess(["jobs", "list", "--state", "dead", "--queue", queue, "--limit", "2", "--url", url, "--json"]);
      expect(first.code).toBe(0);
      const page = JSON.parse(first.stdout) as { records: { id: string; job: string; state: string; error: { message: string } }[]; next: string };
      expect(page.records.map((record) => [record.job, record.state, record.error.message])).toEqual(Array(2).fill(["AlwaysFails", "dead", "mail server said no"]));
      const rest = await runCliProcess(["jobs", "list", "--state", "dead", "--queue", queue, "--after", page.next, "--url", url]);
      expect(rest.code).toBe(0);
      expect(rest.stdout).toMatch(/^ID\s+JOB\s+QUEUE\s+STATE\s+ATTEMPT\s+FINISHED AT\s+ERROR\n/);
      expect(rest.stdout).not.toMatch(/more: --after/);
      const listed = [...page.records.map((record) => record.id), ...ids.filter((id) => rest.stdout.includes(id))];
      expect(listed.sort()).toEqual([...ids].sort());

      const refused = await runCliProcess(["jobs", "list", "--state", "running", "--url", url]);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/state: must be one of succeeded, failed, dead, cancelled/);
    });

    it("scheduler enqueues the module's recurring jobs and exits 0 on SIGTERM", { timeout: 90_000 }, async () => {
      const hopper = hopperForTest();
      const queue = uniqueQueue("ticks");
      const scheduler = startCli(["scheduler", "--url", url, "--jobs", fixtureJobs, "--json"], { CLI_TEST_SCHEDULE_QUEUE: queue });
      running.push(scheduler);
      await waitFor(async () => (await stats(hopper, queue)).ready >= 1 || scheduler.child.exitCode !== null, "a tick's job");
      scheduler.child.kill("SIGTERM");
      const result = await scheduler.exited;

      expect(result.code).toBe(0);
      const logs = result.stderr.trim().split("\n").map((line) => JSON.parse(line) as { message: string; schedules?: unknown });
      expect(logs.find((log) => log.message.startsWith("scheduler started"))?.schedules).toEqual([{ name: "every-second", cron: "* * * * * *", job: "RecordVisit" }]);
      expect(logs.at(-1)?.message).toBe("scheduler stopped");
      expect((await stats(hopper, queue)).ready).toBeGreaterThanOrEqual(1);
    });
  });
}

const pubsub = requireService("pubsub");
describe.skipIf(!pubsub)("hopper on a backend without queue statistics (pubsub)", () => {
  it("stats exits 3 and says the backend keeps no statistics", { timeout: 60_000 }, async () => {
    const result = await runCliProcess(["stats", "--queues", "mailers"], { HOPPER_URL: `pubsub://${pubsub!.HOPPER_TEST_PUBSUB_PROJECT}`, PUBSUB_EMULATOR_HOST: pubsub!.PUBSUB_EMULATOR_HOST });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain("keeps no queue statistics");
    expect(result.stdout).toBe("");
  });
});
