/**
 * Single enqueues with `callers` in flight, in rounds after a warm-up, each round counted per job: Node CPU
 * (user + system, all threads), bytes allocated on V8's heap (v8.GCProfiler: the heap before each GC less after
 * the last, plus the growth left at the end), scavenges, and this process's write and read syscalls (/proc/self/io:
 * about one write per send). For A/B runs of the single-enqueue path (which garbage each job leaves, since the GC
 * pauses are part of the latency tail):
 *   node --conditions=@hopper/source --import ./src/child/strip-types.mjs --no-warnings src/probe/single-enqueue-alloc.ts \
 *     <library> <connection> [jobs per round=5000] [rounds=6] [warm-up jobs=5000] [callers=10]
 * Each round's queue is drained (untimed) before the next.
 */
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { GCProfiler, getHeapStatistics } from "node:v8";
import { createSubject } from "../subjects/create-subject.js";
import { consumeCount, makeJobs, withCallers } from "../scenarios/scenario-context.js";
import { warmSingleEnqueue } from "./warm-single-enqueue.js";

const [library = "hopper", connection = "", jobsText = "5000", roundsText = "6", warmText = "5000", callersText = "10"] = process.argv.slice(2);
const jobs = Number(jobsText);
const callers = Number(callersText);

/** This process's read and write syscalls so far. */
function syscalls(): { reads: number; writes: number } {
  const io = readFileSync("/proc/self/io", "utf8");
  const field = (name: string) => Number(new RegExp(`^${name}: (\\d+)`, "m").exec(io)?.[1] ?? 0);
  return { reads: field("syscr"), writes: field("syscw") };
}

interface GcStatistic {
  beforeGC: { heapStatistics: { usedHeapSize: number } };
  afterGC: { heapStatistics: { usedHeapSize: number } };
}

const subject = await createSubject({ library, connection } as never);
let serial = 0;
const queue = () => `alloc-single-${process.pid}-${(serial += 1)}`;
try {
  await warmSingleEnqueue(subject, queue(), Number(warmText), callers);
  for (let round = 1; round <= Number(roundsText); round += 1) {
    const measured = queue();
    await subject.prepare(measured);
    const list = makeJobs(jobs);
    const profiler = new GCProfiler();
    const ioBefore = syscalls();
    profiler.start();
    const heapBefore = getHeapStatistics().used_heap_size;
    const cpu = process.cpuUsage();
    const startedAt = performance.now();
    await withCallers(list.length, callers, (index) => subject.enqueueOne(measured, list[index]!));
    const elapsedMs = performance.now() - startedAt;
    const used = process.cpuUsage(cpu);
    const heapAfter = getHeapStatistics().used_heap_size;
    const gcs = (profiler.stop()?.statistics ?? []) as GcStatistic[];
    const ioAfter = syscalls();
    let allocated = 0;
    let last = heapBefore;
    for (const gc of gcs) {
      allocated += gc.beforeGC.heapStatistics.usedHeapSize - last;
      last = gc.afterGC.heapStatistics.usedHeapSize;
    }
    allocated += heapAfter - last;
    console.log(
      `${library} round ${round}: load ${loadavg()[0]!.toFixed(2)}; ${Math.round(jobs / (elapsedMs / 1000))} jobs/s; node CPU ${((used.user + used.system) / jobs).toFixed(1)} µs/job` +
        ` (system ${(used.system / jobs).toFixed(1)}); allocated ${(allocated / jobs).toFixed(0)} B/job; GCs ${gcs.length};` +
        ` writes ${((ioAfter.writes - ioBefore.writes) / jobs).toFixed(3)}/job, reads ${((ioAfter.reads - ioBefore.reads) / jobs).toFixed(3)}/job`,
    );
    await consumeCount(subject, measured, 50, jobs, 60_000);
  }
} finally {
  await subject.close();
}
