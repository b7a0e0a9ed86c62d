// CPU time per job of the Hopper subject with HOPPER_BENCH_TELEMETRY=off|api|sdk: counted, not timed, so it
// can be measured on a busy machine (CPU time is what the process itself used, whatever else runs).
// Each run is a fresh child process (the SDK sets process-wide state); modes rotate every round.
//   pnpm --filter @hopper/bench exec tsx --conditions=@hopper/source src/telemetry-cpu.ts <url> [jobs] [rounds]
// CPU_MODE_VARIABLE=HOPPER_BENCH_RATE_LIMITS TELEMETRY_CPU_MODES=off,others compares another mode switch the same way.
import { fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { createHopperSubject } from "./subjects/hopper-subject.js";
import { benchTelemetryModes } from "./subjects/hopper-telemetry.js";
import { median } from "./statistics.js";

interface CpuRun {
  readonly mode: string;
  /** Microseconds of user + system CPU per job. */
  readonly enqueueUs: number;
  readonly drainUs: number;
}

const batchSize = 100;
const concurrency = 10;
const warmUpJobs = 1000;
/** The subject's mode switch the runs compare; every mode list below starts with its baseline, "off". */
const modeVariable = process.env.CPU_MODE_VARIABLE ?? "HOPPER_BENCH_TELEMETRY";

function cpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

/** Enqueues `jobs` in bulk calls, then drains them with one worker: CPU per job of each phase. */
async function measure(url: string, jobs: number): Promise<CpuRun> {
  const subject = await createHopperSubject(url);
  const run = async (queue: string, count: number) => {
    await subject.prepare(queue);
    const enqueueStart = cpuMicros();
    for (let sent = 0; sent < count; sent += batchSize) {
      await subject.enqueueMany(queue, Array.from({ length: Math.min(batchSize, count - sent) }, () => ({ sentAt: Date.now(), padding: "" })));
    }
    const drainStart = cpuMicros();
    let left = count;
    let drained!: () => void;
    const allDrained = new Promise<void>((resolve) => (drained = resolve));
    const consumer = await subject.consume(queue, concurrency, () => {
      if (--left === 0) drained();
    });
    await allDrained;
    const drainEnd = cpuMicros();
    await consumer.stop();
    return { enqueueUs: (drainStart - enqueueStart) / count, drainUs: (drainEnd - drainStart) / count };
  };
  const suffix = randomBytes(4).toString("hex");
  // The first jobs compile the code paths: not counted.
  await run(`cpu-warm-${suffix}`, warmUpJobs);
  const counted = await run(`cpu-${suffix}`, jobs);
  await subject.close();
  return { mode: process.env[modeVariable] ?? "off", ...counted };
}

function runChild(mode: string, url: string, jobs: number): Promise<CpuRun> {
  const child = fork(fileURLToPath(import.meta.url), ["--child", url, String(jobs)], { env: { ...process.env, [modeVariable]: mode }, stdio: ["ignore", "pipe", "inherit", "ipc"] });
  return new Promise((resolve, reject) => {
    child.on("message", (message) => resolve(message as CpuRun));
    child.on("error", reject);
    child.on("exit", (code) => code !== 0 && reject(new Error(`${mode} run exited with ${code}`)));
  });
}

async function main(): Promise<void> {
  const [url, jobsText = "5000", roundsText = "10"] = process.argv.slice(2).filter((arg) => arg !== "--child");
  if (!url) throw new Error("usage: telemetry-cpu.ts <url> [jobs] [rounds]");
  const jobs = Number(jobsText);
  if (process.argv.includes("--child")) {
    const result = await measure(url, jobs);
    process.send!(result, () => process.exit(0));
    return;
  }
  const rounds = Number(roundsText);
  // TELEMETRY_CPU_MODES=off,api runs a subset (default: every mode).
  if (modeVariable !== "HOPPER_BENCH_TELEMETRY" && !process.env.TELEMETRY_CPU_MODES) throw new Error(`CPU_MODE_VARIABLE=${modeVariable} needs TELEMETRY_CPU_MODES (e.g. off,others)`);
  const modes = process.env.TELEMETRY_CPU_MODES ? process.env.TELEMETRY_CPU_MODES.split(",") : [...benchTelemetryModes];
  const runs: (CpuRun & { readonly round: number })[] = [];
  for (let round = 0; round < rounds; round++) {
    // A, B, C then B, C, A …: no mode always runs first or last.
    const order = modes.map((_, index) => modes[(index + round) % modes.length]!);
    for (const mode of order) {
      const result = await runChild(mode, url, jobs);
      runs.push({ ...result, round });
      console.error(`round ${round + 1} ${mode}: enqueue ${result.enqueueUs.toFixed(1)} µs/job, drain ${result.drainUs.toFixed(1)} µs/job`);
    }
  }
  const medianOf = (mode: string, phase: "enqueueUs" | "drainUs") => median(runs.filter((run) => run.mode === mode).map((run) => run[phase]));
  const off = { enqueueUs: medianOf("off", "enqueueUs"), drainUs: medianOf("off", "drainUs") };
  // Each round's mode ÷ the same round's "off": machine load drifts between rounds, less within one.
  const pairedOf = (mode: string, phase: "enqueueUs" | "drainUs") =>
    median(runs.filter((run) => run.mode === mode).map((run) => run[phase] / (runs.find((other) => other.mode === "off" && other.round === run.round)?.[phase] ?? Number.NaN)));
  console.log(`${modeVariable}: CPU time per job (user + system, median of ${rounds} runs each, ${jobs} jobs per run, bulk enqueues of ${batchSize}, drain at concurrency ${concurrency})`);
  console.log("| mode | enqueue µs/job | × off | paired × off | drain µs/job | × off | paired × off |");
  console.log("|---|---|---|---|---|---|---|");
  for (const mode of modes) {
    const enqueueUs = medianOf(mode, "enqueueUs");
    const drainUs = medianOf(mode, "drainUs");
    console.log(`| ${mode} | ${enqueueUs.toFixed(1)} | ${(enqueueUs / off.enqueueUs).toFixed(3)} | ${pairedOf(mode, "enqueueUs").toFixed(3)} | ${drainUs.toFixed(1)} | ${(drainUs / off.drainUs).toFixed(3)} | ${pairedOf(mode, "drainUs").toFixed(3)} |`);
  }
}

await main();
