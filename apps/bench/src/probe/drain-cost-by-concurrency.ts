/**
 * What one Hopper drain costs this process per job at each concurrency, by the
 * counters the machine's load does not move much: CPU (user, system), minor page
 * faults, socket syscalls and context switches (voluntary, involuntary), with
 * the wall-clock rate beside them. Alternates the concurrencies, so a passing
 * load hits each alike:
 *   node --conditions=@hopper/source --import ./src/child/strip-types.mjs src/probe/drain-cost-by-concurrency.ts <url> [jobs] [concurrencies, e.g. 10,50] [rounds]
 */
import { readFileSync } from "node:fs";
import { createSubject } from "../subjects/create-subject.js";
import { consumeCount, enqueueInBatches, makeJobs } from "../scenarios/scenario-context.js";
const [connection = "", jobsText = "10000", concurrencyText = "10,50", roundsText = "3"] = process.argv.slice(2);
const jobs = Number(jobsText);

/** Context switches so far (voluntary: waited; involuntary: preempted). */
function contextSwitches(): { voluntary: number; involuntary: number } {
  const text = readFileSync("/proc/self/status", "utf8");
  const field = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(text)?.[1] ?? 0);
  return { voluntary: field("voluntary_ctxt_switches"), involuntary: field("nonvoluntary_ctxt_switches") };
}

/** Minor page faults so far (field 10 of /proc/self/stat). */
function minorFaults(): number {
  return Number(readFileSync("/proc/self/stat", "utf8").split(") ")[1]!.split(" ")[7]);
}

/** Read and write system calls so far (each socket read or write is one). */
function syscalls(): number {
  const text = readFileSync("/proc/self/io", "utf8");
  return Number(/syscr: (\d+)/.exec(text)?.[1] ?? 0) + Number(/syscw: (\d+)/.exec(text)?.[1] ?? 0);
}

const subject = await createSubject({ library: "hopper", connection } as never);
let serial = 0;
const concurrencies = concurrencyText.split(",").map(Number);
for (const c of Array.from({ length: Number(roundsText) }, () => concurrencies).flat()) {
  const queue = `drain-by-concurrency-${process.pid}-${serial++}`;
  await subject.prepare(queue);
  await enqueueInBatches(subject, queue, makeJobs(jobs), 1000);
  const switches = contextSwitches();
  const faults = minorFaults();
  const calls = syscalls();
  const cpu = process.cpuUsage();
  const startedAt = performance.now();
  await consumeCount(subject, queue, c, jobs, 120_000);
  const used = process.cpuUsage(cpu);
  const elapsedMs = performance.now() - startedAt;
  const switchesAfter = contextSwitches();
  const perJob = (value: number, digits: number) => (value / jobs).toFixed(digits);
  console.log(
    `c=${c}: ${((jobs * 1000) / elapsedMs).toFixed(0)} jobs/s; node CPU user ${perJob(used.user, 1)} system ${perJob(used.system, 1)} µs/job; ` +
      `minor faults ${perJob(minorFaults() - faults, 2)}/job; syscalls ${perJob(syscalls() - calls, 3)}/job; ` +
      `context switches voluntary ${perJob(switchesAfter.voluntary - switches.voluntary, 3)} involuntary ${perJob(switchesAfter.involuntary - switches.involuntary, 3)}/job`,
  );
}
await subject.close();
