import type { RunResult, SubjectResult } from "./result-types.js";
import { marksOf } from "./figure-marks.js";
import { formatNumber } from "./format.js";

const kindColors: Readonly<Record<string, string>> = { hopper: "#2f6fde", raw: "#8a8f98", peer: "#e08a1e" };

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

interface Bar {
  readonly label: string;
  readonly kind: string;
  readonly value: number | undefined;
  /** The figure's marks (†, ‡, §), printed after its value like in the tables. */
  readonly marks?: string;
}

/** Drain rate at the highest concurrency the run measured, with its marks. */
function drainAtTop(subject: SubjectResult, concurrency: number): { value: number | undefined; marks: string } {
  const rate = subject.drain?.find((point) => point.concurrency === concurrency)?.rate;
  return { value: rate?.summary.median, marks: marksOf(rate).join("") };
}

/** Bar length in 0..1: linear, or log10(1 + value) when one slow subject would flatten every other bar. */
function scaler(values: readonly number[], logarithmic: boolean): (value: number) => number {
  const max = Math.max(1e-9, ...values);
  return logarithmic ? (value) => Math.log10(1 + value) / Math.log10(1 + max) : (value) => value / max;
}

function panel(title: string, unit: string, bars: readonly Bar[], x: number, width: number, rowHeight: number, top: number, logarithmic = false): string {
  const labelWidth = 170;
  const valueWidth = 90;
  const plotWidth = width - labelWidth - valueWidth;
  const finite = bars.map((bar) => bar.value).filter((value): value is number => value !== undefined && Number.isFinite(value));
  const scale = scaler(finite, logarithmic);
  const parts = [`<text x="${x}" y="${top - 12}" font-weight="bold">${escapeXml(title)}</text>`];
  bars.forEach((bar, index) => {
    const y = top + index * rowHeight;
    parts.push(`<text x="${x + labelWidth - 6}" y="${y + rowHeight / 2 + 4}" text-anchor="end">${escapeXml(bar.label)}</text>`);
    if (bar.value === undefined || !Number.isFinite(bar.value)) {
      parts.push(`<text x="${x + labelWidth + 4}" y="${y + rowHeight / 2 + 4}" fill="#888">not measured</text>`);
      return;
    }
    const length = Math.max(1, scale(bar.value) * plotWidth);
    parts.push(`<rect x="${x + labelWidth}" y="${y + 3}" width="${length.toFixed(1)}" height="${rowHeight - 6}" fill="${kindColors[bar.kind] ?? "#555"}"/>`);
    parts.push(`<text x="${x + labelWidth + length + 4}" y="${y + rowHeight / 2 + 4}">${escapeXml(`${formatNumber(bar.value, bar.value < 100 ? 1 : 0)} ${unit}${bar.marks ? ` ${bar.marks}` : ""}`)}</text>`);
  });
  return parts.join("\n");
}

/** Two bar panels (drain throughput; p99 latency at the fixed offered rate), one bar per subject, colored by kind. */
export function renderSvgChart(run: RunResult): string {
  const subjects = run.subjects.filter((subject) => subject.status === "ok");
  const concurrency = Math.max(...run.plan.drain.concurrency);
  const rowHeight = 22;
  const top = 70;
  const panelWidth = 560;
  const height = top + Math.max(1, subjects.length) * rowHeight + 50;
  const throughput = subjects.map((subject): Bar => ({ label: subject.spec.id, kind: subject.spec.kind, ...drainAtTop(subject, concurrency) }));
  const p99 = subjects.map((subject): Bar => ({ label: subject.spec.id, kind: subject.spec.kind, value: subject.latency?.latency.p99 }));
  const legend = Object.entries(kindColors)
    .map(([kind, color], index) => `<rect x="${20 + index * 110}" y="${height - 28}" width="12" height="12" fill="${color}"/><text x="${36 + index * 110}" y="${height - 18}">${kind}</text>`)
    .join("\n");
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${panelWidth * 2 + 40}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="20" y="24" font-size="15" font-weight="bold">${escapeXml(`Hopper bench — ${run.startedAt.slice(0, 10)}, ${run.machine.cpus} cores, Node ${run.machine.node}, profile ${run.plan.profile}`)}</text>`,
    panel(`Drain throughput at concurrency ${concurrency} (jobs/s, median; longer is better)`, "/s", throughput, 20, panelWidth, rowHeight, top),
    panel(`p99 enqueue→start at ${run.plan.latency.rate} jobs/s (ms, log scale; shorter is better)`, "ms", p99, 20 + panelWidth + 20, panelWidth, rowHeight, top, true),
    legend,
    `</svg>`,
    "",
  ].join("\n");
}
