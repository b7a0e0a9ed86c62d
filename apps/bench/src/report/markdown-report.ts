import { ratio } from "../statistics.js";
import type { RateResult, RunResult, SubjectResult } from "./result-types.js";
import { marks, noisySpread, rateRatioCell } from "./figure-marks.js";
import { formatBytes, formatMs, formatNumber, formatRate, formatRatio, formatSize, table } from "./format.js";
import { consumerSection, scaleOutSection, sweepSection } from "./consumer-sections.js";
import { halfRateSection } from "./half-rate-section.js";
import { latencyLayoutSentence } from "./latency-layout.js";
import { searchStepCell } from "./search-step-cell.js";


function drainRate(subject: SubjectResult, concurrency: number): RateResult | undefined {
  return subject.drain?.find((point) => point.concurrency === concurrency)?.rate;
}

/** Ratio of two rate medians carrying every mark of either side; figure-marks.ts refuses one that would not. */
function rateRatio(hopper: RateResult | undefined, other: RateResult | undefined): string {
  return rateRatioCell(hopper, other, formatRatio);
}

function ok(subjects: readonly SubjectResult[]): SubjectResult[] {
  return subjects.filter((subject) => subject.status === "ok");
}

/** Hopper's figures divided by each comparison subject's, per backend, all from this run. */
export function ratioRows(run: RunResult): string[][] {
  const rows: string[][] = [];
  const concurrencies = run.plan.drain.concurrency;
  for (const hopper of ok(run.subjects).filter((subject) => subject.spec.kind === "hopper")) {
    for (const other of ok(run.subjects).filter((subject) => subject.spec.backend === hopper.spec.backend && subject.spec.kind !== "hopper")) {
      rows.push([
        hopper.spec.backend,
        `${other.spec.id} (${other.spec.kind})`,
        rateRatio(hopper.enqueueSingle, other.enqueueSingle),
        rateRatio(hopper.enqueueBulk, other.enqueueBulk),
        ...concurrencies.map((concurrency) => rateRatio(drainRate(hopper, concurrency), drainRate(other, concurrency))),
        formatRatio(ratio(hopper.rateSearch?.highestSustained, other.rateSearch?.highestSustained)),
        formatRatio(ratio(hopper.latency?.latency.p99, other.latency?.latency.p99)),
        formatRatio(ratio(hopper.memory?.drainPeakRssBytes, other.memory?.drainPeakRssBytes)),
      ]);
    }
  }
  return rows;
}

export function renderMarkdown(run: RunResult): string {
  const { plan } = run;
  const subjects = run.subjects;
  const measured = ok(subjects);
  const concurrencies = plan.drain.concurrency;
  const sections: string[] = [];

  sections.push(
    [
      "# Hopper benchmark results",
      "",
      `- command: \`${run.command}\``,
      `- machine: ${run.machine.cpus} CPU cores (${run.machine.cpuModel}), ${formatBytes(run.machine.totalMemoryBytes)} RAM, ${run.machine.platform}, Node ${run.machine.node}`,
      `- started ${run.startedAt}, took ${formatNumber(run.durationMs / 1000)} s; profile \`${plan.profile}\`: ${plan.warmup} warm-up + ${plan.repetitions} measured repetitions per point`,
      `- versions: ${Object.entries(run.versions).map(([name, version]) => `${name} ${version}`).join(", ")}`,
      `- servers: ${run.servers.map((server) => `${server.backend} ${server.how}`).join("; ") || "none"}`,
      "",
      "Each subject ran alone in its own child process, one after another, producer and consumer in that process. " +
        "Figures are medians with the (min–max) over the repetitions. " +
        `${marks.noisy} marks a spread wider than ${noisySpread * 100}% of the median (noise: this machine is shared); ${marks.bounded} marks a run that hit its time bound (the rate counts the jobs done by then); ` +
        `${marks.unwarmed} marks a point whose warm-up did not finish within its bound, so none of its runs was warm (its figures are never mixed with warm ones, and every ratio built on one carries the mark).`,
      "",
      "![Drain throughput and p99 latency per subject](latest.svg)",
    ].join("\n"),
  );

  const withThroughput = measured.filter((subject) => subject.enqueueSingle || subject.enqueueBulk || subject.drain);
  if (withThroughput.length > 0) {
    sections.push(
      [
        "## Throughput (jobs/s)",
        "",
        `enqueue single: ${plan.enqueue.singleJobs} jobs, one per call, ${plan.enqueue.callers} calls in flight. enqueue bulk: ${plan.drain.jobs} jobs in calls of ${plan.enqueue.bulkBatch}. ` +
          `drain: ${plan.drain.jobs} pre-filled no-op jobs, time from consumer ready to empty, at each concurrency (bound ${formatNumber(plan.drain.timeoutMs / 1000)} s).`,
        "",
        table(
          ["subject", "what it does", "enqueue single", "enqueue bulk", ...concurrencies.map((concurrency) => `drain c=${concurrency}`)],
          withThroughput.map((subject) => [
            `**${subject.spec.id}**`,
            subject.spec.description,
            formatRate(subject.enqueueSingle),
            formatRate(subject.enqueueBulk),
            ...concurrencies.map((concurrency) => {
              const point = subject.drain?.find((entry) => entry.concurrency === concurrency);
              return formatRate(point?.rate);
            }),
          ]),
        ),
      ].join("\n"),
    );
  }

  for (const section of [sweepSection(run), consumerSection(run)]) if (section) sections.push(section);

  const ratios = ratioRows(run);
  if (ratios.length > 0) {
    sections.push(
      [
        "## Hopper as a ratio of the raw client and the peers",
        "",
        `Hopper ÷ the other subject, medians from this one run, same server, same concurrency. For rates above 1× means Hopper is faster; for p99 and RSS above 1× means Hopper is slower or bigger. Every mark (${marks.noisy} ${marks.bounded} ${marks.unwarmed}) carries over from either side's figure, and the generator refuses to print a ratio that would drop one: a ratio of marked figures is a rough guide only.`,
        "",
        table(
          ["backend", "compared with", "enqueue single", "enqueue bulk", ...concurrencies.map((concurrency) => `drain c=${concurrency}`), "highest sustained rate", "p99 latency", "peak RSS"],
          ratios,
        ),
      ].join("\n"),
    );
  }

  const withLatency = measured.filter((subject) => subject.latency);
  if (withLatency.length > 0) {
    const rates = [...plan.latency.searchRates].sort((left, right) => left - right).join(", ");
    sections.push(
      [
        `## Latency, enqueue call → job start, at ${plan.latency.rate} jobs/s offered`,
        "",
        `${latencyLayoutSentence(plan)} One job per enqueue call, paced by the clock for ${formatNumber(plan.latency.durationMs / 1000)} s, consumer concurrency ${plan.latency.concurrency}${plan.warmup > 0 ? ", after one unmeasured warm-up step at the same rate" : ""}. ` +
          `Highest sustained rate: the highest of ${rates} jobs/s (${formatNumber(plan.latency.searchDurationMs / 1000)} s each, stopping at the first failure${plan.latency.refineSteps > 0 ? `, then up to ${plan.latency.refineSteps} steps bisecting between the last pass and the first failure` : ""}) at which every job started within ${formatNumber(plan.latency.graceMs / 1000)} s of the offering's end and p99 ≤ ${plan.latency.p99BoundMs} ms. ` +
          `Every step ends within its duration + ${formatNumber((3 * plan.latency.graceMs) / 1000)} s (apps/bench/README.md, "The latency step's bound"): jobs started later are in no figure, and a step's shortfall, what it left behind and a consumer that did not stop are in the step's cell and the notes.`,
        "",
        table(
          ["subject", "started / offered", "p50", "p95", "p99", "max", "highest sustained rate", "search steps (rate: p99)"],
          withLatency.map((subject) => {
            const latency = subject.latency!;
            const search = subject.rateSearch;
            return [
              `**${subject.spec.id}**`,
              `${latency.received} / ${latency.offered}`,
              formatMs(latency.latency.p50),
              formatMs(latency.latency.p95),
              formatMs(latency.latency.p99),
              formatMs(latency.latency.max),
              search?.highestSustained === undefined ? `none (p99 ≤ ${plan.latency.p99BoundMs} ms not met)` : `${formatNumber(search.highestSustained)} jobs/s`,
              search?.steps.map(searchStepCell).join("; ") ?? "–",
            ];
          }),
        ),
      ].join("\n"),
    );
    const atHalf = withLatency.filter((subject) => subject.rateSearch?.atHalf);
    if (atHalf.length > 0) sections.push(halfRateSection(atHalf, plan));
  }

  const withPayload = measured.filter((subject) => subject.payload);
  if (withPayload.length > 0) {
    sections.push(
      [
        "## Payload sizes (jobs/s, drain after a bulk enqueue)",
        "",
        `${plan.payload.jobs} jobs of each size (padding in the job's arguments), enqueued in bulk then drained at concurrency ${plan.payload.concurrency}; the rate is the drain's, from the consumer ready to the last first start (the bulk enqueue's rate is in the JSON, \`payload[].bulkEnqueue\`).`,
        "",
        table(
          ["subject", ...plan.payload.sizes.map(formatSize)],
          withPayload.map((subject) => [
            `**${subject.spec.id}**`,
            ...plan.payload.sizes.map((bytes) => {
              const point = subject.payload!.find((entry) => entry.bytes === bytes);
              if (!point) return "–";
              return point.skipped ? `skipped: ${point.skipped}` : formatRate(point.rate);
            }),
          ]),
        ),
      ].join("\n"),
    );
  }

  const withDelayed = measured.filter((subject) => subject.delayed);
  if (withDelayed.length > 0) {
    sections.push(
      [
        `## Delayed jobs: lateness of start versus runAt (delay ${formatNumber(plan.delayed.delayMs)} ms)`,
        "",
        table(
          ["subject", "started / enqueued", "p50", "p95", "p99", "max", "started early"],
          withDelayed.map((subject) => {
            const delayed = subject.delayed!;
            return [`**${subject.spec.id}**`, `${delayed.received} / ${delayed.total}`, formatMs(delayed.lateness.p50), formatMs(delayed.lateness.p95), formatMs(delayed.lateness.p99), formatMs(delayed.lateness.max), String(delayed.early)];
          }),
        ),
      ].join("\n"),
    );
  }

  const scaleOut = scaleOutSection(run);
  if (scaleOut) sections.push(scaleOut);

  const withMemory = measured.filter((subject) => subject.memory);
  if (withMemory.length > 0) sections.push(
    [
      "## Memory of the measuring process",
      "",
      "Peak RSS and heap after the enqueue and drain scenarios (which every subject runs alike, so these compare), peak over the whole child, and growth per 10,000 jobs held in flight at once " +
        `(${plan.memory.inFlight} jobs, scaled; after a forced GC).`,
      "",
      table(
        ["subject", "peak RSS (enqueue + drain)", "peak heap (enqueue + drain)", "peak RSS (whole run)", "peak heap (whole run)", "heap / 10k in flight", "RSS / 10k in flight"],
        withMemory.map((subject) => {
          const memory = subject.memory;
          return [
            `**${subject.spec.id}**`,
            formatBytes(memory?.drainPeakRssBytes),
            formatBytes(memory?.drainPeakHeapBytes),
            formatBytes(memory?.peakRssBytes),
            formatBytes(memory?.peakHeapBytes),
            memory?.inFlight ? `${formatBytes(memory.inFlight.heapPer10kBytes)}${memory.inFlight.reached < memory.inFlight.jobs ? ` (${memory.inFlight.reached} reached)` : ""}` : "–",
            memory?.inFlight ? formatBytes(memory.inFlight.rssPer10kBytes) : "–",
          ];
        }),
      ),
    ].join("\n"),
  );

  const idle = idleSection(measured);
  if (idle) sections.push(idle);

  const failed = subjects.filter((subject) => subject.status === "failed");
  const skipLines = [
    ...run.skipped.map((skip) => `- **${skip.what}** skipped: ${skip.reason}`),
    ...failed.map((subject) => `- **${subject.spec.id}** failed: ${subject.error}`),
  ];
  if (skipLines.length > 0) sections.push(["## Skipped and failed", "", ...skipLines].join("\n"));

  const notes = subjects.flatMap((subject) => subject.notes.map((note) => `- ${subject.spec.id}: ${note}`));
  if (notes.length > 0) sections.push(["## Notes from the run", "", ...notes].join("\n"));

  return `${sections.join("\n\n")}\n`;
}

/** Idle RSS per subject, and Hopper's ÷ the raw client's on the same backend (the goal: at most 1.2×). */
function idleSection(measured: readonly SubjectResult[]): string | undefined {
  const withIdle = measured.filter((subject) => subject.memory?.idle);
  if (withIdle.length === 0) return undefined;
  const rawIdle = (backend: string) => withIdle.find((subject) => subject.spec.backend === backend && subject.spec.kind === "raw")?.memory?.idle;
  const first = withIdle[0]!.memory!.idle!;
  return [
    "## Idle worker",
    "",
    `RSS of each subject's process with its consumer (${first.concurrency} slots) idle on an empty queue for ${first.settleMs} ms, after a forced GC, ` +
      "measured first in the child; \"before the library\" is the same process before it loaded the subject's library (Node, the bench's own code and the type stripper), " +
      "\"added\" the difference. The ratio is the subject's idle RSS ÷ the raw client's on the same backend; the common floor narrows it, so compare \"added\" too.",
    "",
    table(
      ["subject", "idle RSS", "idle heap", "before the library", "added", "÷ raw client"],
      withIdle.map((subject) => {
        const idle = subject.memory!.idle!;
        const raw = rawIdle(subject.spec.backend);
        return [
          `**${subject.spec.id}**`,
          formatBytes(idle.rssBytes),
          formatBytes(idle.heapUsedBytes),
          formatBytes(idle.baseRssBytes),
          formatBytes(idle.rssBytes - idle.baseRssBytes),
          raw && subject.spec.kind !== "raw" ? formatRatio(idle.rssBytes / raw.rssBytes) : "–",
        ];
      }),
    ),
  ].join("\n");
}
