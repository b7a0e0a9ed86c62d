import type { RateLimitPoint } from "../scenarios/rate-limit.js";
import { formatNumber } from "./format.js";

/** The top few entries of a per-job breakdown, largest first: "takeRateSlot 1.42, advance 0.01". */
function breakdown(counts: Readonly<Record<string, number>>, top = 5): string {
  return Object.entries(counts)
    .sort((left, right) => right[1] - left[1])
    .slice(0, top)
    .map(([name, value]) => `${name} ${value.toFixed(2)}`)
    .join(", ");
}

/** One markdown section for the rate-limit runs, in the bench's table style. */
export function renderRateLimitMarkdown(points: readonly RateLimitPoint[], header: { readonly command: string; readonly startedAt: string; readonly load?: string }): string {
  const lines = [
    "## Rate limit across worker processes",
    "",
    `\`${header.command}\` — ${header.startedAt}${header.load ? `, load average ${header.load}` : ""}`,
    "",
    "Slots are the coordination store's decisions (its clock); starts are perform starts (this machine's clock, late by the workers' load). Windows are whole 1 s windows from each bucket's first slot, over every bucket; the bound is the documented most in any 1 s of one bucket (⌈1 s ÷ interval⌉ + burst − 1).",
    "",
    "| backend | workers × c | limit | buckets | granted / expected | achieved /s | slot windows max / p50 / min | busiest 1 s (sliding) | bound | start windows max / p50 / min | bucket granted min–max | first start | last worker's first start | store calls/job | Redis commands/job | Node CPU/job |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
  ];
  for (const point of points) {
    if (point.error) {
      lines.push(`| ${point.backend} | ${point.workers} × ${point.concurrency} | ${point.limit}/${point.per} burst ${point.burst} | ${point.buckets} | failed: ${point.error.replace(/\|/g, "\\|")} |||||||||||||`);
      continue;
    }
    const ratio = point.expected > 0 ? point.granted / point.expected : 0;
    lines.push(
      [
        point.backend,
        `${point.workers} × ${point.concurrency}`,
        `${point.limit}/${point.per} burst ${point.burst}`,
        String(point.buckets),
        `${formatNumber(point.granted)} / ${formatNumber(point.expected)} (${(ratio * 100).toFixed(1)}%)`,
        formatNumber(point.achievedRate, 1),
        `${point.slotWindows.max} / ${point.slotWindows.p50} / ${point.slotWindows.min}`,
        String(point.slotWindows.busiestSliding),
        String(point.bound),
        `${point.startWindows.max} / ${point.startWindows.p50} / ${point.startWindows.min}`,
        `${formatNumber(point.bucketGranted.min)}–${formatNumber(point.bucketGranted.max)}`,
        `${formatNumber(point.firstStartMs)} ms`,
        `${formatNumber(point.lastWorkerFirstStartMs)} ms`,
        `${point.storeCallsPerJobTotal.toFixed(2)} (${breakdown(point.storeCallsPerJob)})`,
        point.redisCommandsPerJobTotal === undefined ? "–" : `${point.redisCommandsPerJobTotal.toFixed(2)} (${breakdown(point.redisCommandsPerJob ?? {})})`,
        `${formatNumber(point.cpuUsPerJob)} µs`,
      ].join(" | ").replace(/^/, "| ").concat(" |"),
    );
  }
  lines.push("", "Per worker, perform starts: " + points.map((point) => `${point.backend} ${point.workers}: ${point.perWorker.join(", ") || "–"}`).join("; "));
  return `${lines.join("\n")}\n`;
}
