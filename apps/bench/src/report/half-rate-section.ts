import type { BenchPlan } from "../bench-plan.js";
import { formatMs, formatNumber, table } from "./format.js";
import { latencyLayoutSentence } from "./latency-layout.js";
import type { SubjectResult } from "./result-types.js";

/**
 * Issue #18 states its latency goal at half of each backend's sustained rate (p99 enqueue → start ≤ 5 ms on
 * Redis and PostgreSQL): the run the latency scenario makes there, one row per subject that sustained a rate.
 */
export function halfRateSection(subjects: readonly SubjectResult[], plan: BenchPlan): string {
  return [
    "## Latency at half of the highest sustained rate",
    "",
    `One run per subject at half of its highest sustained rate above (rounded to whole jobs/s), paced as the fixed-rate run for ${formatNumber(plan.latency.durationMs / 1000)} s, consumer concurrency ${plan.latency.concurrency}. ${latencyLayoutSentence(plan)}`,
    "",
    table(
      ["subject", "highest sustained rate", "offered rate", "started / offered", "p50", "p95", "p99", "max"],
      subjects.map((subject) => {
        const search = subject.rateSearch!;
        const run = search.atHalf!;
        return [
          `**${subject.spec.id}**`,
          `${formatNumber(search.highestSustained ?? 0)} jobs/s`,
          `${formatNumber(run.offeredRate)} jobs/s`,
          `${run.received} / ${run.offered}`,
          formatMs(run.latency.p50),
          formatMs(run.latency.p95),
          formatMs(run.latency.p99),
          formatMs(run.latency.max),
        ];
      }),
    ),
  ].join("\n");
}
