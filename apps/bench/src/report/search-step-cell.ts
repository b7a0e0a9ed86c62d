import { formatMs, formatNumber } from "./format.js";
import type { LatencyRun } from "./result-types.js";

/** One rate-search step in the latency table: its p99, and when it fell short, how many started, what it left and whether its consumer stopped. */
export function searchStepCell(step: LatencyRun): string {
  const shortfall: string[] = [];
  if (step.received < step.offered) shortfall.push(`${step.received}/${step.offered} started`);
  if (step.end && step.end.leftBehind > 0) shortfall.push(`${formatNumber(step.end.leftBehind)} left behind`);
  if (step.end?.consumerStopped === false) shortfall.push(`consumer not stopped within ${formatNumber(step.end.boundMs / 1000)} s, search ended`);
  return `${step.offeredRate}: ${formatMs(step.latency.p99)}${shortfall.length > 0 ? ` (${shortfall.join(", ")})` : ""}`;
}
