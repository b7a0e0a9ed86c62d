import { CronExpressionParser, type CronExpression } from "cron-parser";
import { earliestWallAfter, instantOf, instantsOf, latestWallBy, mayShowWithin } from "./wall-clock.js";
import { toMilliseconds, type Duration } from "../duration.js";
import { ConfigurationError } from "../errors/configuration-error.js";
import type { EnqueueOptions, JobClass } from "../job.js";
import { validatePriority, validateQueueName } from "../names.js";
import { optionKeysOf, rejectUnknownOptions } from "../option-keys.js";

export interface RecurringJobOptions {
  /** IANA time zone the cron expression reads in, e.g. "Europe/Paris". Default "UTC". */
  readonly timezone?: string;
  /**
   * What to do with ticks missed while no scheduler ran (ticks more than
   * `grace` late): "latest" runs the most recent one once and skips the older
   * ones (default); "none" skips them all; `{ limit: n }` runs up to the n most
   * recent, oldest first.
   */
  readonly catchUp?: "latest" | "none" | { readonly limit: number };
  /** A tick at most this late is run as on time, every one of them. Default "30s". */
  readonly grace?: Duration;
  /** Enqueue options for every tick's job (queue, priority). */
  readonly enqueue?: Pick<EnqueueOptions, "queue" | "priority">;
}

/** A recurring job as registered by `hopper.schedule`, checked once. */
export interface RecurringJob {
  readonly name: string;
  readonly cron: string;
  readonly timezone: string;
  readonly jobClass: JobClass;
  readonly args: unknown;
  readonly enqueueOptions: Pick<EnqueueOptions, "queue" | "priority">;
  /** How many missed ticks to run: 0, 1 ("latest") or the limit. */
  readonly catchUpLimit: number;
  readonly graceMs: number;
}

// Goes into coordination keys and dedupe keys, so it is short and plain.
const schedulePattern = /^[A-Za-z][A-Za-z0-9_.:-]{0,63}$/;
const maxCatchUp = 1000;

export function defineRecurringJob(name: unknown, cron: unknown, jobClass: JobClass, args: unknown, options: RecurringJobOptions = {}): RecurringJob {
  if (typeof name !== "string" || !schedulePattern.test(name)) {
    throw new ConfigurationError({ field: "schedule.name", message: `${JSON.stringify(name)} is not a valid schedule name: use 1-64 letters, digits, "_", ".", ":" or "-", starting with a letter` });
  }
  const field = `schedule(${name})`;
  if (typeof options !== "object" || options === null) throw new ConfigurationError({ field: `${field}.options`, message: "must be an object such as { timezone: \"Europe/Paris\" }" });
  // A misspelt option (`timezon`) would leave its default in silence: the schedule would run in UTC.
  rejectUnknownOptions(options, recurringJobOptionKeys, "schedule()", `${field}.`);
  const timezone = options.timezone ?? "UTC";
  try {
    new Intl.DateTimeFormat("en", { timeZone: timezone });
  } catch (error) {
    throw new ConfigurationError({ field: `${field}.timezone`, message: `${JSON.stringify(timezone)} is not an IANA time zone such as "Europe/Paris"`, cause: error });
  }
  // cron-parser reads "" as every minute.
  if (typeof cron !== "string" || cron.trim() === "") throw new ConfigurationError({ field: `${field}.cron`, message: "must be a cron expression such as \"*/5 * * * *\"" });
  try {
    // Read over wall-clock times in UTC, as the ticks are walked (a walk in the zone itself can block for most of a second).
    CronExpressionParser.parse(cron, { tz: "UTC", strict: false, hashSeed: name }).next();
  } catch (error) {
    throw new ConfigurationError({ field: `${field}.cron`, message: `${JSON.stringify(cron)} is not a cron expression: ${(error as Error).message}; use five fields (minute hour day month weekday) or six with seconds first`, cause: error });
  }
  return {
    name,
    cron,
    timezone,
    jobClass,
    args,
    enqueueOptions: checkEnqueueOptions(options.enqueue, `${field}.enqueue`),
    catchUpLimit: catchUpLimit(options.catchUp ?? "latest", `${field}.catchUp`),
    graceMs: graceMilliseconds(options.grace, `${field}.grace`),
  };
}

const recurringJobOptionKeys = optionKeysOf<RecurringJobOptions>({ timezone: true, catchUp: true, grace: true, enqueue: true });

/** Each tick's enqueue options, checked now rather than at the first tick, and named as the schedule's. */
function checkEnqueueOptions(enqueue: unknown, field: string): Pick<EnqueueOptions, "queue" | "priority"> {
  if (enqueue === undefined) return {};
  if (typeof enqueue !== "object" || enqueue === null) throw new ConfigurationError({ field, message: "must be an object such as { queue: \"reports\", priority: 5 }" });
  rejectUnknownOptions(enqueue, ["queue", "priority"], "a schedule's enqueue", `${field}.`);
  const { queue, priority } = enqueue as Pick<EnqueueOptions, "queue" | "priority">;
  return {
    ...(queue !== undefined && { queue: validateQueueName(queue, `${field}.queue`) }),
    ...(priority !== undefined && { priority: validatePriority(priority, `${field}.priority`) }),
  };
}

function catchUpLimit(catchUp: RecurringJobOptions["catchUp"], field: string): number {
  if (catchUp === "latest") return 1;
  if (catchUp === "none") return 0;
  const limit = typeof catchUp === "object" && catchUp !== null ? catchUp.limit : undefined;
  if (typeof limit !== "number" || !Number.isSafeInteger(limit) || limit < 0 || limit > maxCatchUp) {
    throw new ConfigurationError({ field, message: `must be "latest", "none" or { limit: n } with n from 0 to ${maxCatchUp}, got ${JSON.stringify(catchUp)}` });
  }
  return limit;
}

/**
 * Ticks (epoch ms) after `afterMs` and at or before `untilMs`: the `limit` most recent ones, oldest first.
 *
 * Across a DST change a schedule runs as cron runs it. One that runs every hour of the day runs by real time: each
 * instant whose local time it names, a repeated hour's too, none in a skipped span. Any other runs at local times:
 * each at its first occurrence when a fall-back repeats it, and at the jump when a spring-forward skips it (a daily
 * 02:30 runs once on both days). Both are walked in UTC over wall-clock times (`wall-clock.ts`): cron-parser's own
 * walk in the zone ran local times twice or never depending on where it started, and in a zone that shifts by 30
 * minutes (Australia/Lord_Howe) skipped a repeated half hour and blocked the event loop for most of a second.
 */
export function ticksBetween(job: RecurringJob, afterMs: number, untilMs: number, limit: number): number[] {
  if (limit <= 0 || untilMs <= afterMs) return [];
  const { timezone } = job;
  const instantsFor = runAtOf(job);
  // Walls before this one show only instants at or before afterMs.
  const firstWall = earliestWallAfter(afterMs, timezone);
  const newestFirst: number[] = [];
  const walls = wallExpressionAt(job, latestWallBy(untilMs, timezone) + 1);
  while (walls.hasPrev()) {
    const wall = walls.prev().getTime();
    if (wall < firstWall) break;
    // Once `limit` are found, earlier walls can only show instants before the oldest of them.
    if (newestFirst.length >= limit && wall < earliestWallAfter(newestFirst[limit - 1]!, timezone)) break;
    if (!mayShowWithin(wall, timezone, afterMs + 1, untilMs)) continue;
    for (const tick of instantsFor(wall, timezone)) if (tick > afterMs && tick <= untilMs) insertNewestFirst(newestFirst, tick);
  }
  return newestFirst.slice(0, limit).reverse();
}

/**
 * Puts `tick` in its place in a list kept newest first, once. Walls walked backwards give older instants, so it
 * lands at the end but in a fall-back's repeated span: no sort per tick (a per-second schedule's window of
 * thousands of ticks stays linear).
 */
function insertNewestFirst(newestFirst: number[], tick: number): void {
  let low = 0;
  let high = newestFirst.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (newestFirst[middle]! > tick) low = middle + 1;
    else high = middle;
  }
  if (newestFirst[low] !== tick) newestFirst.splice(low, 0, tick);
}

/** The first tick strictly after `afterMs`, if the expression has one (as `ticksBetween` runs them). */
export function nextTick(job: RecurringJob, afterMs: number): number | undefined {
  const { timezone } = job;
  const instantsFor = runAtOf(job);
  let next: number | undefined;
  const walls = wallExpressionAt(job, earliestWallAfter(afterMs, timezone) - 1);
  while (walls.hasNext()) {
    const wall = walls.next().getTime();
    // Later walls show only instants after the earliest found (a fall-back shows earlier walls again, within its shift).
    if (next !== undefined && wall > latestWallBy(next, timezone)) break;
    if (!mayShowWithin(wall, timezone, afterMs + 1, next ?? Number.MAX_SAFE_INTEGER)) continue;
    for (const tick of instantsFor(wall, timezone)) if (tick > afterMs && (next === undefined || tick < next)) next = tick;
  }
  return next;
}

/** The instants a wall time runs at: every one showing it for a schedule of every hour, else the first (the jump, in a gap). */
function runAtOf(job: RecurringJob): (wallMs: number, timeZone: string) => number[] {
  return runsEveryHour(job) ? instantsOf : (wallMs, timeZone) => [instantOf(wallMs, timeZone)];
}

/** A schedule whose hours are all 24 runs by real time across DST changes; any other at local times. */
function runsEveryHour(job: RecurringJob): boolean {
  return wallExpressionAt(job, 0).fields.hour.values.length === 24;
}

/**
 * The expression read in UTC over wall-clock times: no hour repeats or goes missing there. `H` (a hashed value: "once
 * an hour, at a minute of the schedule's own") is drawn from the seed, else at random at every parse: the schedule's
 * name keeps it one minute in every process and every pass.
 */
function wallExpressionAt(job: RecurringJob, wallMs: number): CronExpression {
  return CronExpressionParser.parse(job.cron, { tz: "UTC", currentDate: new Date(wallMs), hashSeed: job.name });
}

/** How late a tick may still run. Under a second, a pass of the scheduler (it wakes a little after each tick) misses it: a new schedule never fired. */
function graceMilliseconds(grace: RecurringJobOptions["grace"], field: string): number {
  const graceMs = toMilliseconds(grace ?? "30s", field);
  if (graceMs < 1000) throw new ConfigurationError({ field, message: `must be at least 1s (a scheduler wakes a little after each tick; a shorter window lets the tick pass unseen), got ${JSON.stringify(grace)}` });
  return graceMs;
}
