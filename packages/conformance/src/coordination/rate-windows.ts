/**
 * The most slot starts any half-open span of `spanMs` holds, counted exactly:
 * times are rounded to whole microseconds (the stores' resolution) so that a
 * start exactly `spanMs` after another falls outside its span, never inside by
 * a floating-point hair. The busiest span starts at some slot, so only those are tried.
 */
export function busiestSpan(startsAtMs: readonly number[], spanMs: number): number {
  const times = startsAtMs.map((ms) => Math.round(ms * 1000)).sort((a, b) => a - b);
  const spanUs = Math.round(spanMs * 1000);
  let busiest = 0;
  let end = 0;
  for (let first = 0; first < times.length; first++) {
    while (end < times.length && times[end]! < times[first]! + spanUs) end++;
    busiest = Math.max(busiest, end - first);
  }
  return busiest;
}
