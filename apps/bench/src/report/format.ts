import { marksOf, withMarks } from "./figure-marks.js";
import type { RateResult } from "./result-types.js";

export { noisySpread } from "./figure-marks.js";

export function formatNumber(value: number | undefined, digits = 0): string {
  if (value === undefined || !Number.isFinite(value)) return "–";
  if (digits === 0 && Math.abs(value) < 10 && value !== 0) return value.toFixed(1);
  return value.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

export function formatMs(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return "–";
  return Math.abs(value) >= 100 ? `${formatNumber(value)} ms` : `${value.toFixed(1)} ms`;
}

export function formatBytes(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return "–";
  const sign = value < 0 ? "−" : "";
  const bytes = Math.abs(value);
  if (bytes >= 1024 * 1024 * 1024) return `${sign}${(bytes / (1024 * 1024 * 1024)).toFixed(1)} GiB`;
  if (bytes >= 1024 * 1024) return `${sign}${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${sign}${(bytes / 1024).toFixed(0)} KiB`;
  return `${sign}${bytes.toFixed(0)} B`;
}

export function formatRatio(value: number): string {
  if (!Number.isFinite(value)) return "–";
  // Two significant digits below 0.1, so a tiny ratio does not print as 0.00×.
  return value !== 0 && Math.abs(value) < 0.1 ? `${value.toPrecision(2)}×` : `${value.toFixed(2)}×`;
}

/** "1,234 (1,100–1,300)", with its marks (figure-marks.ts): † noisy, ‡ bound-limited, § unwarmed. */
export function formatRate(rate: RateResult | undefined): string {
  if (!rate || rate.summary.count === 0) return "–";
  const { summary } = rate;
  const spread = summary.count > 1 ? ` (${formatNumber(summary.min)}–${formatNumber(summary.max)})` : "";
  return withMarks(`${formatNumber(summary.median)}${spread}`, marksOf(rate));
}

export function formatSize(bytes: number): string {
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KB`;
  return `${bytes} B`;
}

export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.map((cell) => cell.replace(/\|/g, "\\|")).join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}
