/**
 * The timeline of one Hopper drain on Redis, for finding where a drain's time goes at each concurrency:
 * every command this process sends (receive and ack scripts told apart by their keys, others by name), when
 * it was sent and answered, its size (messages asked and got, acks carried), how many received jobs were
 * still to run as it went out (0 at a receive: the worker waits a round trip with nothing to run), and when
 * the first and last job ran. Counts, not speed, are the figures to compare on a loaded machine: the jobs
 * left at each receive and the calls per drain follow from the code, the milliseconds from the load.
 * Rounds alternate the concurrencies; round 0 warms up. --verbose prints every command.
 *   node --conditions=@hopper/source --import ./src/child/strip-types.mjs src/probe/drain-timeline.ts <connection> [jobs] [concurrencies] [rounds] [--verbose]
 */
import { Redis } from "ioredis";
import { createSubject } from "../subjects/create-subject.js";
import { enqueueInBatches, makeJobs } from "../scenarios/scenario-context.js";
import { now } from "../subjects/bench-subject.js";

const [connection = "", jobsText = "1000", concurrencyText = "10,50", roundsText = "5", verbose] = process.argv.slice(2);
const jobs = Number(jobsText);
interface Sent { at: number; name: string; size: string; doneAt?: number }
let log: Sent[] | undefined;
/** Jobs done and messages received so far in the current drain: what was left to run when each command went out. */
let done = 0;
let received = 0;
/** Per drain: at each receive after the first, the jobs received and not yet run when it was sent (0: the worker waits a round trip idle). */
let leftAtReceive: number[] = [];
const original = Redis.prototype.sendCommand;
Redis.prototype.sendCommand = function (this: Redis, command: { name: string; args: unknown[]; promise: Promise<unknown> }, ...rest: unknown[]) {
  if (log) {
    const args = command.args.map(String);
    let name = command.name;
    let size = "";
    if (name === "evalsha" || name === "eval") {
      const keys = Number(args[1]);
      if (keys === 4 && args[2]?.endsWith(":ready")) {
        name = "receive";
        size = `asked ${args[6 + 5 - 4]}`;
      } else if (args.some((arg) => arg.endsWith(":orphans")) && keys > 4) {
        name = "ack";
        size = `${keys - 6} acks`;
      } else name = `script(${keys} keys)`;
    }
    if (name === "receive" && received > 0) leftAtReceive.push(received - done);
    if (name === "receive" || name === "ack") size += ` (left to run ${received - done})`;
    const entry: Sent = { at: now(), name, size };
    log.push(entry);
    void command.promise.then(
      (reply) => {
        entry.doneAt = now();
        if (entry.name === "receive" && Array.isArray(reply)) {
          const got = Math.max(0, (reply.length - 3 - Number(reply[2])) / 6);
          received += got;
          entry.size += ` got ${got}`;
        }
      },
      () => (entry.doneAt = now()),
    );
  }
  return original.call(this, command as never, ...(rest as []));
} as typeof original;

const subject = await createSubject({ library: "hopper", connection } as never);
const concurrencies = concurrencyText.split(",").map(Number);
const rounds = Number(roundsText);
const summary = new Map<number, string[]>();
for (let round = 0; round <= rounds; round += 1) {
  for (const concurrency of concurrencies) {
    const queue = `timeline-${process.pid}-${round}-${concurrency}`;
    await subject.prepare(queue);
    await enqueueInBatches(subject, queue, makeJobs(jobs), 100);
    done = 0;
    received = 0;
    leftAtReceive = [];
    let firstAt = 0;
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    log = [];
    const startedAt = now();
    const consumer = await subject.consume(queue, concurrency, () => {
      done += 1;
      if (done === 1) firstAt = now();
      if (done === jobs) finish();
    });
    await finished;
    const lastAt = now();
    const sent = log;
    log = undefined;
    await consumer.stop();
    if (round === 0) continue;
    const at = (ms: number) => (ms - startedAt).toFixed(2);
    const counts = new Map<string, number>();
    for (const entry of sent) if (entry.at <= lastAt) counts.set(entry.name, (counts.get(entry.name) ?? 0) + 1);
    const line = `c=${concurrency}: ${((jobs * 1000) / (lastAt - startedAt)).toFixed(0)} jobs/s; first job ${at(firstAt)} ms, last ${at(lastAt)} ms; jobs left to run as each later receive was sent: ${leftAtReceive.join(" ")}; commands before the last job: ${[...counts].map(([name, count]) => `${name} ${count}`).join(", ")}`;
    summary.set(concurrency, [...(summary.get(concurrency) ?? []), line]);
    console.log(line);
    if (verbose === "--verbose") for (const entry of sent) console.log(`  ${at(entry.at)} → ${entry.doneAt === undefined ? "…" : at(entry.doneAt)} ${entry.name} ${entry.size}`);
  }
}
await subject.close();
