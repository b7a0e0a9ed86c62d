/**
 * Local wall-clock times as numbers: the epoch ms a time zone's local date and time would have in UTC (02:30 on
 * 8 March in New York is `Date.UTC(2026, 2, 8, 2, 30)`), so a schedule of local times can be walked by cron-parser
 * in UTC, where no hour repeats or goes missing, and each wall time turned into the instant it runs at.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterOf(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat("en-US", { timeZone, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", second: "numeric" });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The wall time `instantMs` shows in `timeZone`. */
export function wallOf(instantMs: number, timeZone: string): number {
  const fields: Record<string, number> = {};
  for (const part of formatterOf(timeZone).formatToParts(instantMs)) if (part.type !== "literal") fields[part.type] = Number(part.value);
  const wholeSecond = Math.floor(instantMs / 1000) * 1000;
  return Date.UTC(fields.year!, fields.month! - 1, fields.day!, fields.hour!, fields.minute!, fields.second!) + (instantMs - wholeSecond);
}

/** How far `timeZone`'s wall clock is ahead of UTC at `instantMs`. */
function offsetAt(instantMs: number, timeZone: string): number {
  return wallOf(instantMs, timeZone) - instantMs;
}

/** Wider than any zone's DST shift (Antarctica/Troll's 2 h): how far around an instant a change can move its wall time. */
const shiftBoundMs = 3 * 3_600_000;

/**
 * The instant a wall time runs at: its first occurrence when a fall-back repeats it, and for one a spring-forward
 * skips, the jump itself (02:30 in a gap from 02:00 to 03:00 runs at 03:00, as cron runs it). So later wall times
 * never run earlier: walking wall times in order walks instants in order.
 */
export function instantOf(wallMs: number, timeZone: string): number {
  const { instants, offsetBefore, offsetAfter } = readingsOf(wallMs, timeZone);
  if (instants.length > 0) return instants[0]!;
  // In a gap: the first second whose wall time is past this one, between the two offsets' readings of it.
  let [low, high] = [Math.floor((wallMs - offsetAfter) / 1000), Math.ceil((wallMs - offsetBefore) / 1000)];
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (wallOf(middle * 1000, timeZone) > wallMs) high = middle;
    else low = middle;
  }
  return high * 1000;
}

/** Every instant that shows this wall time, in order: two when a fall-back repeats it, none when a spring-forward skips it. */
export function instantsOf(wallMs: number, timeZone: string): number[] {
  return readingsOf(wallMs, timeZone).instants;
}

/**
 * False when no instant showing this wall time lies in [fromMs, toMs]: one read of the zone instead of `instantsOf`'s
 * four, for the walls a walk passes outside its window (an hour of them around a fall-back).
 */
export function mayShowWithin(wallMs: number, timeZone: string, fromMs: number, toMs: number): boolean {
  // Every instant showing it lies within a DST shift of this one.
  const near = wallMs - offsetAt(wallMs, timeZone);
  return near + shiftBoundMs >= fromMs && near - shiftBoundMs <= toMs;
}

/** The zone's offsets on either side of where a wall time falls (read around an instant near it), and the instants they give it. */
function readingsOf(wallMs: number, timeZone: string): { instants: number[]; offsetBefore: number; offsetAfter: number } {
  const near = wallMs - offsetAt(wallMs, timeZone);
  const offsetBefore = offsetAt(near - shiftBoundMs, timeZone);
  const offsetAfter = offsetAt(near + shiftBoundMs, timeZone);
  const candidates = offsetBefore === offsetAfter ? [wallMs - offsetBefore] : [wallMs - offsetBefore, wallMs - offsetAfter].sort((a, b) => a - b);
  return { instants: candidates.filter((instant) => wallOf(instant, timeZone) === wallMs), offsetBefore, offsetAfter };
}

/** A wall time no instant at or before `instantMs` maps past (a fall-back shows an earlier wall time after a later one). */
export function latestWallBy(instantMs: number, timeZone: string): number {
  return Math.max(wallOf(instantMs, timeZone), wallOf(instantMs - shiftBoundMs, timeZone) + shiftBoundMs, wallOf(instantMs + shiftBoundMs, timeZone) - shiftBoundMs);
}

/** A wall time no instant after `instantMs` maps before (a fall-back shows earlier wall times again). */
export function earliestWallAfter(instantMs: number, timeZone: string): number {
  return Math.min(wallOf(instantMs, timeZone), wallOf(instantMs - shiftBoundMs, timeZone) + shiftBoundMs, wallOf(instantMs + shiftBoundMs, timeZone) - shiftBoundMs);
}
