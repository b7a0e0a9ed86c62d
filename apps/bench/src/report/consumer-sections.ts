import type { ConsumerShape } from "../subjects/bench-subject.js";
import { marks } from "./figure-marks.js";
import { formatNumber, formatRate, table } from "./format.js";
import type { RunResult, SubjectResult } from "./result-types.js";

function settingsText(shape: ConsumerShape): string {
  return Object.entries(shape.settings)
    .map(([key, value]) => `${key} ${String(value)}`)
    .join(", ");
}

/**
 * What each subject's consumer ran with at each drain concurrency: the same c
 * for all, the prefetch, whether its ack overlaps the next receive, and the
 * library's own settings (benchmarks/README.md, "One definition of concurrency").
 */
export function consumerSection(run: RunResult): string | undefined {
  const subjects = run.subjects.filter((subject) => subject.status === "ok" && subject.drain?.some((point) => point.consumer));
  if (subjects.length === 0) return undefined;
  const concurrencies = run.plan.drain.concurrency;
  return [
    "## How each consumer ran",
    "",
    "c is the number of handler calls running at once, for every subject. Prefetch is the most jobs a subject holds fetched or locked at once, running ones included; " +
      "\"ack overlaps\" says whether a slot frees when the handler returns, with the ack travelling while the next job is received. Settings are at the highest c.",
    "",
    table(
      ["subject", "variant", ...concurrencies.map((concurrency) => `prefetch at c=${concurrency}`), "ack overlaps receive", "settings"],
      subjects.map((subject) => {
        const points = subject.drain!;
        const last = points.at(-1)!.consumer!;
        return [
          `**${subject.spec.id}**`,
          last.variant ?? "–",
          ...concurrencies.map((concurrency) => String(points.find((point) => point.concurrency === concurrency)?.consumer?.prefetch ?? "–")),
          last.ackOverlapsReceive ? "yes" : "no",
          settingsText(last),
        ];
      }),
    ),
  ].join("\n");
}

/** N worker processes draining one queue; speed-up is N workers' rate ÷ one worker's. */
export function scaleOutSection(run: RunResult): string | undefined {
  const subjects = run.subjects.filter((subject) => subject.scaleOut && subject.scaleOut.length > 0);
  if (subjects.length === 0) return undefined;
  const { scaleOut } = run.plan;
  const rateCell = (subject: SubjectResult, workers: number) => {
    const point = subject.scaleOut!.find((entry) => entry.workers === workers);
    if (!point) return "–";
    if (point.error) return `failed: ${point.error}`;
    return `${formatNumber(point.rate)}${point.timedOut ? ` ${marks.bounded}` : ""}`;
  };
  const speedUp = (subject: SubjectResult) => {
    const points = subject.scaleOut!.filter((point) => !point.error && point.rate > 0);
    const one = points.find((point) => point.workers === 1);
    const most = points.at(-1);
    if (!one || !most || most === one) return "–";
    const bounded = one.timedOut || most.timedOut;
    return `${(most.rate / one.rate).toFixed(2)}× at ${most.workers}${bounded ? ` ${marks.bounded}` : ""}`;
  };
  return [
    `## Scale-out: worker processes draining one queue of ${formatNumber(scaleOut.jobs)} jobs (jobs/s)`,
    "",
    `One process fills the queue; then N worker processes (concurrency ${scaleOut.concurrency} each) start together, and the rate runs from the first consumer ready to the last first start in any of them, each job counted once across the workers. One run per point, no warm-up (the queue is large enough that start-up is a small part). ` +
      `**This machine has ${run.machine.cpus} CPU cores**, shared by the server, the workers and the bench: past ${run.machine.cpus} busy processes the workers compete for the same cores, so the figures show how each library behaves under contention here, not how it scales on more hardware.`,
    "",
    table(
      ["subject", ...scaleOut.workers.map((workers) => `${workers} worker${workers === 1 ? "" : "s"}`), "speed-up", "jobs per worker (largest N)"],
      subjects.map((subject) => [`**${subject.spec.id}**`, ...scaleOut.workers.map((workers) => rateCell(subject, workers)), speedUp(subject), subject.scaleOut!.at(-1)?.perWorker.join(" / ") || "–"]),
    ),
    ...scaleOutCpuTable(subjects, scaleOut.workers),
  ].join("\n");
}

/** The server's and the workers' CPU per job over each scale-out drain, with the cores each kept busy; none when nothing was counted. */
function scaleOutCpuTable(subjects: readonly SubjectResult[], workerCounts: readonly number[]): string[] {
  const counted = subjects.filter((subject) => subject.scaleOut!.some((point) => point.serverCpuUsPerJob !== undefined || point.workersCpuUsPerJob !== undefined));
  if (counted.length === 0) return [];
  const cell = (perJob: number | undefined, cores: number | undefined) => (perJob === undefined || cores === undefined ? "–" : `${perJob.toFixed(1)} (${cores.toFixed(2)})`);
  return [
    "",
    "CPU time per job over each drain, µs, and in brackets the cores it kept busy (CPU time ÷ the drain's wall time): the server's (all of its work in the window, every client's: Redis by `INFO cpu`, a PostgreSQL server or the SQS emulator on this machine from /proc; – where it cannot be counted) and the worker processes' together. The window runs from the workers' start to when the bench heard of the last first start (workers report every 100 ms), a little longer than the rate's span. Where the server runs on this machine, the two compete for its cores.",
    "",
    table(
      ["subject", ...workerCounts.flatMap((workers) => [`${workers}: server`, `${workers}: workers`])],
      counted.map((subject) => [
        `**${subject.spec.id}**`,
        ...workerCounts.flatMap((workers) => {
          const point = subject.scaleOut!.find((entry) => entry.workers === workers && !entry.error);
          return [cell(point?.serverCpuUsPerJob, point?.serverCores), cell(point?.workersCpuUsPerJob, point?.workersCores)];
        }),
      ]),
    ),
  ];
}

/** A sweep's drain rates per settings variant, the best per peer and concurrency in bold. */
export function sweepSection(run: RunResult): string | undefined {
  if (!run.plan.sweepPeerSettings) return undefined;
  const swept = run.subjects.filter((subject) => subject.status === "ok" && subject.spec.variant && subject.drain);
  if (swept.length === 0) return undefined;
  const concurrencies = run.plan.drain.concurrency;
  const peerOf = (subject: SubjectResult) => `${subject.spec.backend}/${subject.spec.library}`;
  const best = new Map<string, number>();
  for (const subject of swept) {
    for (const point of subject.drain!) {
      const key = `${peerOf(subject)}@${point.concurrency}`;
      best.set(key, Math.max(best.get(key) ?? 0, point.rate.summary.median));
    }
  }
  return [
    "## Settings sweep (drain, jobs/s)",
    "",
    "Each peer once per settings variant (apps/bench/src/subjects/peer-settings.ts); the best at each concurrency in bold. The other profiles run the variant named in `chosenVariants` there.",
    "",
    table(
      ["peer", "variant", ...concurrencies.map((concurrency) => `drain c=${concurrency}`)],
      swept.map((subject) => [
        peerOf(subject),
        subject.spec.variant!,
        ...concurrencies.map((concurrency) => {
          const point = subject.drain!.find((entry) => entry.concurrency === concurrency);
          const text = formatRate(point?.rate);
          return point && point.rate.summary.median === best.get(`${peerOf(subject)}@${concurrency}`) ? `**${text}**` : text;
        }),
      ]),
    ),
  ].join("\n");
}
