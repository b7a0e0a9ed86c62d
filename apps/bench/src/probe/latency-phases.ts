/**
 * Where a fixed-rate run's enqueue→start latency goes, per job, for Hopper as the bench's latency scenario
 * drives it (one job per enqueue call, paced by a 5 ms clock tick; one worker, concurrency c, prefetch 200 or
 * HOPPER_PROBE_PREFETCH,
 * pollWait 1s). Each job's latency is split by timestamps taken around the backend's calls:
 *   lane     enqueue call → the backend send that carries it starts (parked in the core's enqueue lane)
 *   send     that send's round trip (the enqueue script)
 *   toRecv   send answered → the receive script that leased it was sent (negative: it was sent before the
 *            enqueue's answer was read, e.g. woken by the publish)
 *   recv     that receive script → the receive returned to the worker
 *   buffered receive returned → perform started
 *   gc       GC pauses overlapping the job's whole span (it overlaps the phases above, it is not added)
 * The receive script's send time is the message's leaseFrom (Date.now(), whole ms): recv reads about 0.5 ms
 * long and toRecv as much short on average. HOPPER_PROBE_SENDS_IN_FLIGHT=n overrides the lane's sends in
 * flight (an experiment). HOPPER_PROBE_INTAKE_LOG=<file> appends the worker's intake state every 250 ms to <file>
 * (`intake-watch.ts`: receives in flight, the budget, LISTEN waits, statements on the pool), to see what a worker that
 * stopped receiving waits on. A round where no job started is reported as such (0/n started) and the run goes on. HOPPER_PROBE_SURVIVORS=n prints the n allocation sites whose objects outlived a
 * scavenge (V8's sampling heap profiler, leaving out what minor GCs freed): what each scavenge copies or
 * promotes, per job, over the measured rounds. Results are printed as means over all jobs and over the slowest 5% and 1%, per round (the first round warms up).
 *   pnpm --filter @hopper/bench latency-phases <redis-url> [rate] [durationMs] [rounds] [concurrency]
 */
import { Session } from "node:inspector/promises";
import { PerformanceObserver, monitorEventLoopDelay } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { createHopper, Job, type JobContext } from "@hopper/core";
import type { ReceiveOptions, OutgoingMessage, EnqueueCallOptions } from "@hopper/core/backend";
import { installIntakeWatch, logIntake, receiveView } from "./intake-watch.js";

// Wall-clock based, unlike the bench's now(): phases are compared with leaseFrom (Date.now()) and GC entries.
const now = () => performance.timeOrigin + performance.now();

const [url = process.env.HOPPER_TEST_REDIS_URL ?? "", rateText = "1600", durationText = "2000", roundsText = "4", concurrencyText = "50"] = process.argv.slice(2);
const rate = Number(rateText);
const durationMs = Number(durationText);
const rounds = Number(roundsText);
const concurrency = Number(concurrencyText);
const tickMs = 5;

// Per job, by sequence number, in typed arrays: the probe's own bookkeeping allocates nothing per job, so the
// GC figures are Hopper's (and the harness's pacing), not the probe's.
const capacity = 1 << 20;
const calledAt = new Float64Array(capacity);
const sendAt = new Float64Array(capacity);
const sendSize = new Float64Array(capacity);
const answeredAt = new Float64Array(capacity);
const scriptAt = new Float64Array(capacity);
const receivedAt = new Float64Array(capacity);
const receiveSize = new Float64Array(capacity);
const startedAt = new Float64Array(capacity);
const gcPauses: [number, number, number][] = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcPauses.push([performance.timeOrigin + entry.startTime, entry.duration, (entry as unknown as { detail: { kind: number } }).detail.kind]);
}).observe({ entryTypes: ["gc"] });
// perf_hooks' GC kinds: 1 minor (scavenge), 2 major, 4 incremental marking, 8 weak callbacks.
const gcKinds = () => [1, 2, 4, 8].map((kind) => `${({ 1: "minor", 2: "major", 4: "incr", 8: "weak" } as Record<number, string>)[kind]} ${gcPauses.filter((p) => p[2] === kind).length}/${gcPauses.filter((p) => p[2] === kind).reduce((s, p) => s + p[1], 0).toFixed(1)}ms`).join(" ");
interface SamplingNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: SamplingNode[];
}
const loopDelay = monitorEventLoopDelay({ resolution: 1 });

let onStart: (() => void) | undefined;
// Jobs a previous run left in the queue (it stopped with a backlog) carry another run's tag: they are run, not counted,
// so their keys do not overwrite this run's.
const runTag = Date.now();
let leftOver = 0;
class ProbeNoop extends Job<{ sentAt: number; key: number; run?: number }> {
  static override jobName = "ProbeNoop";
  async perform(args: { sentAt: number; key: number; run?: number }, _context: JobContext): Promise<void> {
    if (args.run !== runTag) {
      leftOver += 1;
      return;
    }
    startedAt[args.key] = now();
    onStart?.();
  }
}
const intakeLog = process.env.HOPPER_PROBE_INTAKE_LOG;
if (intakeLog) await installIntakeWatch();
const receives = receiveView();
const silentLogger = { debug() {}, info() {}, warn() {}, error() {}, isLevelEnabled: () => false };
const hopper = createHopper({ url, jobs: [ProbeNoop], logger: silentLogger });
const backend = await hopper.backend;
// Experiment: HOPPER_PROBE_SENDS_IN_FLIGHT overrides the enqueue lane's sends in flight.
if (process.env.HOPPER_PROBE_SENDS_IN_FLIGHT) Object.assign(backend, { capabilities: { ...backend.capabilities, enqueueSendsInFlight: Number(process.env.HOPPER_PROBE_SENDS_IN_FLIGHT) } });
// The job's sequence number, found again in the body.
const runMark = `"run":${runTag}`;
const keyOf = (message: { body: string }) => {
  if (!message.body.includes(runMark)) return -1;
  const at = message.body.indexOf('"key":');
  return at < 0 ? -1 : Number.parseInt(message.body.slice(at + 6), 10);
};
const enqueue = backend.enqueue.bind(backend);
backend.enqueue = async (messages: readonly OutgoingMessage[], options?: EnqueueCallOptions) => {
  const sent = now();
  const results = await enqueue(messages, options);
  const answered = now();
  for (const message of messages) {
    const key = keyOf(message);
    if (key < 0) continue;
    sendAt[key] = sent;
    answeredAt[key] = answered;
    sendSize[key] = messages.length;
  }
  return results;
};
const receive = backend.receive.bind(backend);
backend.receive = async (options: ReceiveOptions) => {
  const id = receives.sent(options.queue, options.waitMs, options.maxMessages);
  let messages: Awaited<ReturnType<typeof receive>> = [];
  try {
    messages = await receive(options);
  } finally {
    receives.answered(id, messages.length);
  }
  const received = now();
  for (const message of messages) {
    const key = keyOf(message);
    if (key < 0) continue;
    receivedAt[key] = received;
    scriptAt[key] = message.leaseFrom ?? received;
    receiveSize[key] = messages.length;
  }
  return messages;
};

const phaseNames = ["lane", "send", "toRecv", "recv", "buffered", "gc"] as const;
function phases(key: number): number[] {
  const end = startedAt[key]!;
  const gc = gcPauses.filter(([at, ms]) => at + ms > calledAt[key]! && at < end).reduce((sum, [, ms]) => sum + ms, 0);
  return [sendAt[key]! - calledAt[key]!, answeredAt[key]! - sendAt[key]!, scriptAt[key]! - answeredAt[key]!, receivedAt[key]! - scriptAt[key]!, end - receivedAt[key]!, gc];
}
const mean = (rows: number[][], column: number) => rows.reduce((sum, row) => sum + row[column]!, 0) / Math.max(1, rows.length);

const worker = hopper.worker({ queues: ["probe-latency"], concurrency, prefetch: Number(process.env.HOPPER_PROBE_PREFETCH ?? 200), pollWait: "1s", handleSignals: false });
const running = worker.run();
let roundLabel = "start";
let startedSoFar = 0;
const stopIntakeLog = intakeLog ? logIntake(intakeLog, worker, receives, () => ({ round: roundLabel, started: startedSoFar, leftOver })) : () => {};
try {
  let next = 0;
  const survivorsTop = Number(process.env.HOPPER_PROBE_SURVIVORS ?? 0);
  const session = survivorsTop > 0 ? new Session() : undefined;
  session?.connect();
  for (let round = 0; round <= rounds; round += 1) {
    if (round === 1) await session?.post("HeapProfiler.startSampling", { samplingInterval: 256, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: false });
    gcPauses.length = 0;
    loopDelay.reset();
    loopDelay.enable();
    const total = Math.round((rate * durationMs) / 1000);
    const first = next;
    let startedCount = 0;
    let answered = 0;
    let allStarted!: () => void;
    let allAnswered!: () => void;
    const started = new Promise<void>((resolve) => (allStarted = resolve));
    const sendsDone = new Promise<void>((resolve) => (allAnswered = resolve));
    roundLabel = `${round}`;
    onStart = () => void ((startedSoFar += 1), ++startedCount >= total && allStarted());
    const answer = () => void (++answered >= total && allAnswered());
    const roundStart = now();
    for (let sent = 0; sent < total; ) {
      const due = Math.min(total, Math.floor(((now() - roundStart) * rate) / 1000) + 1);
      for (; sent < due; sent += 1) {
        const key = next++;
        const at = now();
        calledAt[key] = at;
        hopper.enqueue(ProbeNoop, { sentAt: at, key, run: runTag }, { queue: "probe-latency" }).then(answer, answer);
      }
      await sleep(tickMs);
    }
    await sendsDone;
    await Promise.race([started, sleep(5000)]);
    loopDelay.disable();
    const keys: number[] = [];
    for (let key = first; key < next; key += 1) if (startedAt[key]! > 0 && receivedAt[key]! > 0 && answeredAt[key]! > 0) keys.push(key);
    const latencyOf = (key: number) => startedAt[key]! - calledAt[key]!;
    keys.sort((left, right) => latencyOf(left) - latencyOf(right));
    const latency = keys.map(latencyOf);
    // A round where no job started reads NaN, not a crash: the probe goes on to show whether intake comes back.
    const at = (q: number) => latency[Math.min(latency.length - 1, Math.floor(q * latency.length))] ?? Number.NaN;
    const rows = keys.map(phases);
    const line = (label: string, from: number) => {
      const slice = rows.slice(from);
      const picked = keys.slice(from);
      const sizes = `sendSize ${mean(picked.map((key) => [sendSize[key]!]), 0).toFixed(1)} recvSize ${mean(picked.map((key) => [receiveSize[key]!]), 0).toFixed(1)}`;
      return `  ${label.padEnd(8)} n=${String(slice.length).padStart(4)} ` + phaseNames.map((name, index) => `${name} ${mean(slice, index).toFixed(2)}`).join("  ") + `  | ${sizes}`;
    };
    const gcTotal = gcPauses.reduce((sum, [, ms]) => sum + ms, 0);
    console.log(
      `round ${round}${round === 0 ? " (warm-up)" : ""}: ${keys.length}/${total} started${leftOver > 0 ? ` (+${leftOver} left by earlier runs, so far)` : ""}; p50 ${at(0.5).toFixed(1)} p95 ${at(0.95).toFixed(1)} p99 ${at(0.99).toFixed(1)} max ${(latency.at(-1) ?? Number.NaN).toFixed(1)} ms; ` +
        `gc ${gcPauses.length} pauses ${gcTotal.toFixed(1)} ms (max ${Math.max(0, ...gcPauses.map(([, ms]) => ms)).toFixed(1)}; ${gcKinds()}); loop delay p99 ${(loopDelay.percentile(99) / 1e6).toFixed(1)} max ${(loopDelay.max / 1e6).toFixed(1)} ms`,
    );
    console.log(line("all", 0));
    console.log(line("slow 5%", Math.floor(rows.length * 0.95)));
    console.log(line("slow 1%", Math.floor(rows.length * 0.99)));
    await sleep(300);
  }
  if (session) {
    const { profile } = await session.post("HeapProfiler.stopSampling");
    const jobs = Math.round((rate * durationMs) / 1000) * rounds;
    const bySite = new Map<string, number>();
    let total = 0;
    const walk = (node: SamplingNode) => {
      const { functionName, url: file, lineNumber } = node.callFrame;
      const where = `${functionName || "(anonymous)"} ${file.replace(/^.*\/(packages|apps|node_modules)\//, "$1/")}:${lineNumber + 1}`;
      bySite.set(where, (bySite.get(where) ?? 0) + node.selfSize);
      total += node.selfSize;
      for (const child of node.children) walk(child);
    };
    walk(profile.head as SamplingNode);
    console.log(`outlived a scavenge: ${(total / jobs).toFixed(0)} bytes per job (sampled)`);
    for (const [where, bytes] of [...bySite].sort((a, b) => b[1] - a[1]).slice(0, survivorsTop)) console.log(`${(bytes / jobs).toFixed(0).padStart(6)} B/job  ${where}`);
    session.disconnect();
  }
} finally {
  stopIntakeLog();
  await worker.stop({ timeout: 5000 });
  await running.catch(() => {});
  await hopper.close();
}
