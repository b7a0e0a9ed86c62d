import type { QueueHistory } from "@hopper/core";
import { html, type SafeHtml } from "./html.js";

const width = 300;
const height = 60;

/** "850 ms", "4.2 s", "3 min". */
export function formatLatency(ms: number | undefined): string {
  if (ms === undefined) return "—";
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.round(ms / 60_000)} min`;
}

/**
 * A queue's history as inline SVG (no script, no third-party asset; colours come from
 * the dashboard's stylesheet, as the CSP allows no inline style): a bar per bucket, its
 * completed runs, with the failed runs stacked on top.
 */
export function historyChart(history: QueueHistory, label: string): SafeHtml {
  const { buckets } = history;
  const peak = Math.max(1, ...buckets.map((bucket) => bucket.completed + bucket.failed));
  const step = width / Math.max(1, buckets.length);
  const barWidth = Math.max(1, step - 0.5);
  const scale = (count: number) => (count / peak) * (height - 2);
  const bars = buckets.map((bucket, index) => {
    const x = (index * step).toFixed(2);
    const completed = scale(bucket.completed);
    const failed = scale(bucket.failed);
    const title = `${bucket.at}: ${bucket.completed} completed, ${bucket.failed} failed`;
    return html`<g><title>${title}</title>${bucket.completed > 0 ? html`<rect class="bar-completed" x="${x}" y="${(height - completed).toFixed(2)}" width="${barWidth.toFixed(2)}" height="${completed.toFixed(2)}"></rect>` : ""}${bucket.failed > 0 ? html`<rect class="bar-failed" x="${x}" y="${(height - completed - failed).toFixed(2)}" width="${barWidth.toFixed(2)}" height="${failed.toFixed(2)}"></rect>` : ""}</g>`;
  });
  return html`<svg class="history-chart" viewBox="0 0 ${width} ${height}" preserveAspectRatio="none" role="img" aria-label="${label}"><line class="axis" x1="0" y1="${height - 0.5}" x2="${width}" y2="${height - 0.5}"></line>${bars}</svg>`;
}

/** The totals beside a chart: completed, failed (and their share), dead, latency p50/p99. */
export function historyFigures(history: QueueHistory): SafeHtml {
  const { total } = history;
  const ran = total.completed + total.failed;
  const failedShare = ran === 0 ? "" : ` (${((total.failed / ran) * 100).toFixed(total.failed === 0 || total.failed === ran ? 0 : 1)}%)`;
  const perMinute = (total.completed / ((history.buckets.length * history.bucketMs) / 60_000)).toFixed(1);
  return html`<dl class="history-figures">
<div><dt>Completed</dt><dd data-history="completed">${total.completed}</dd></div>
<div><dt>Per minute</dt><dd>${perMinute}</dd></div>
<div><dt>Failed</dt><dd data-history="failed">${total.failed}${failedShare}</dd></div>
<div><dt>Dead</dt><dd data-history="dead">${total.dead}</dd></div>
<div><dt>Latency p50</dt><dd data-history="p50">${formatLatency(total.latencyP50Ms)}</dd></div>
<div><dt>p99</dt><dd data-history="p99">${formatLatency(total.latencyP99Ms)}</dd></div>
</dl>`;
}
