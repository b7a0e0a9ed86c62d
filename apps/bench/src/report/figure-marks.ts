import { ratio, relativeSpread } from "../statistics.js";
import type { RateResult } from "./result-types.js";

/** A figure whose (max − min) / median exceeds this is marked noisy. */
export const noisySpread = 0.5;

/**
 * What a figure's marks mean, in the order they print:
 * † noisy (spread wider than half the median), ‡ bound-limited (a run hit its
 * time bound; the rate counts the jobs done by then), § unwarmed (the warm-up
 * did not finish within its bound, so no run of this point was warm).
 */
export const marks = { noisy: "†", bounded: "‡", unwarmed: "§" } as const;
export type Mark = (typeof marks)[keyof typeof marks];

export function marksOf(rate: RateResult | undefined): Mark[] {
  if (!rate || rate.summary.count === 0) return [];
  const found: Mark[] = [];
  if (rate.summary.count > 1 && relativeSpread(rate.summary) > noisySpread) found.push(marks.noisy);
  if (rate.timedOut) found.push(marks.bounded);
  if (rate.unwarmed) found.push(marks.unwarmed);
  return found;
}

export function withMarks(text: string, found: readonly Mark[]): string {
  return found.length === 0 ? text : `${text} ${found.join("")}`;
}

/** Every mark of either side, once each, in the canonical order. */
export function combinedMarks(...rates: readonly (RateResult | undefined)[]): Mark[] {
  const all = new Set(rates.flatMap(marksOf));
  return Object.values(marks).filter((mark) => all.has(mark));
}

export class UnmarkedRatioError extends Error {
  constructor(cell: string, missing: readonly Mark[]) {
    super(`ratio ${JSON.stringify(cell)} is built on a figure marked ${missing.join("")} but does not carry the mark; a ratio must show every mark of either side`);
    this.name = "UnmarkedRatioError";
  }
}

/**
 * Refuses a ratio cell that drops a mark of either figure it was built from:
 * the report calls this on every rate ratio it prints, so a marked (noisy,
 * bound-limited or unwarmed) figure can never hide inside a clean-looking ratio.
 */
export function assertRatioMarked(cell: string, numerator: RateResult | undefined, denominator: RateResult | undefined): string {
  const missing = combinedMarks(numerator, denominator).filter((mark) => !cell.includes(mark));
  if (missing.length > 0 && cell !== "–") throw new UnmarkedRatioError(cell, missing);
  return cell;
}

/** Hopper's median ÷ the other's, carrying every mark of either side (checked). */
export function rateRatioCell(numerator: RateResult | undefined, denominator: RateResult | undefined, format: (value: number) => string): string {
  const value = format(ratio(numerator?.summary.median, denominator?.summary.median));
  if (!numerator || !denominator || value === "–") return value;
  return assertRatioMarked(withMarks(value, combinedMarks(numerator, denominator)), numerator, denominator);
}
