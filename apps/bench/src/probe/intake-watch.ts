/**
 * A debug view of a worker's intake for the latency probe (HOPPER_PROBE_INTAKE_LOG=<file>): every ~250 ms one line
 * with what the worker holds and waits on, so a run where it stops receiving shows which promise it waits for.
 * Nothing in the library changes: the probe reaches the objects by wrapping prototypes (the budget, the intake, the
 * PostgreSQL backend's LISTEN waits, pg's pool) before the worker makes them. Each line is JSON:
 *   recv      receives in flight (per queue: how many, the oldest's age and waitMs), the last sent / answered (ms ago)
 *   budget    running, settling, buffered, reserved (asked for, not yet answered), reservations so far, the prefetch target
 *   intake    queues long-polled now, whether the pass waits for an event
 *   listen    whether the LISTEN connection is up, a start pending (ms), NOTIFY wake-ups so far, the last (ms ago)
 *   waits     LISTEN waits pending: count, oldest (ms), its timeout
 *   sql       statements in flight on the pool by kind (count, oldest ms); pool total / idle / waiting for a connection
 *   worker    jobs in flight, unsettled, whether buffered starts wait for a turn (setImmediate pending)
 * Only for the probe: the wrappers cost a closure per call.
 */
import { appendFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";

/** A workspace source module, by URL: the same module instance the worker loads, outside this app's typed sources. */
const workspaceSource = (path: string) => import(new URL(`../../../../packages/${path}`, import.meta.url).href);

type AnyRecord = Record<string, any>;
const t0 = performance.now();
const ms = () => performance.now() - t0;
const ago = (at: number | undefined) => (at === undefined ? null : Math.round(ms() - at));

let budget: AnyRecord | undefined;
let intake: AnyRecord | undefined;
let wakeups: AnyRecord | undefined;
let pool: AnyRecord | undefined;
const listenWaits = new Map<number, { since: number; timeoutMs: number; queue: string }>();
let waitIds = 0;
let wakes = 0;
let lastWakeAt: number | undefined;
let listenStartSince: number | undefined;
const statements = new Map<number, { kind: string; since: number }>();
let statementIds = 0;
let poolWaitsForConnection = 0;

function kindOf(text: string): string {
  if (text.includes("next_due_in_ms")) return "nextDue";
  if (text.includes("claim_messages")) return "claim";
  if (text.startsWith("LISTEN")) return "listen";
  if (/^\s*DELETE|WITH deleted|DELETE FROM/i.test(text)) return "ack";
  if (text.includes("INSERT INTO") && text.includes("messages")) return "enqueue";
  if (text.includes("locked_until")) return "lease";
  return text.replace(/\s+/g, " ").trim().slice(0, 24);
}

/** Wraps the prototypes; call before the worker starts. */
export async function installIntakeWatch(): Promise<void> {
  const { ReceiveBudget } = await workspaceSource("core/src/worker/receive-budget.ts");
  const { QueueIntake } = await workspaceSource("core/src/worker/queue-intake.ts");
  const { QueueWakeups } = await workspaceSource("postgres/src/postgres-wakeups.ts");
  const reserve = ReceiveBudget.prototype.reserve;
  ReceiveBudget.prototype.reserve = function (this: AnyRecord, ...args: unknown[]) {
    budget = this;
    return reserve.apply(this, args);
  };
  const run = QueueIntake.prototype.run;
  QueueIntake.prototype.run = function (this: AnyRecord, ...args: unknown[]) {
    intake = this;
    return run.apply(this, args);
  };
  const wait = QueueWakeups.prototype.wait;
  QueueWakeups.prototype.wait = function (this: AnyRecord, queue: string, sinceVersion: number, timeoutMs: number, signals: readonly (AbortSignal | undefined)[]) {
    wakeups = this;
    const id = ++waitIds;
    listenWaits.set(id, { since: ms(), timeoutMs, queue });
    const promise: Promise<void> = wait.call(this, queue, sinceVersion, timeoutMs, signals);
    void promise.finally(() => listenWaits.delete(id));
    return promise;
  };
  const wake = QueueWakeups.prototype.wake;
  QueueWakeups.prototype.wake = function (this: AnyRecord, queue: string) {
    wakes += 1;
    lastWakeAt = ms();
    return wake.call(this, queue);
  };
  const ensureListening = QueueWakeups.prototype.ensureListening;
  QueueWakeups.prototype.ensureListening = function (this: AnyRecord) {
    wakeups = this;
    const promise: Promise<void> = ensureListening.call(this);
    if (this.starting === promise && listenStartSince === undefined) {
      listenStartSince = ms();
      void promise.finally(() => (listenStartSince = undefined));
    }
    return promise;
  };
  // pg as @hopper/postgres loads it (the same module instance).
  const pg = createRequire(new URL("../../../../packages/postgres/src/index.ts", import.meta.url))("pg");
  const query = pg.Pool.prototype.query;
  pg.Pool.prototype.query = function (this: AnyRecord, config: { text?: string } | string, ...rest: unknown[]) {
    pool = this;
    const id = ++statementIds;
    statements.set(id, { kind: kindOf(typeof config === "string" ? config : (config.text ?? "")), since: ms() });
    const result = query.call(this, config, ...rest);
    if (result && typeof result.then === "function") void result.then(() => statements.delete(id), () => statements.delete(id));
    else statements.delete(id);
    return result;
  };
  const connect = pg.Pool.prototype.connect;
  pg.Pool.prototype.connect = function (this: AnyRecord, ...args: unknown[]) {
    pool = this;
    if (this.idleCount === 0 && this.totalCount >= this.options.max) poolWaitsForConnection += 1;
    return connect.apply(this, args);
  };
}

export interface ReceiveView {
  readonly inFlight: Map<number, { queue: string; since: number; waitMs: number; maxMessages: number }>;
  lastSentAt: number | undefined;
  lastAnsweredAt: number | undefined;
  lastAnsweredCount: number;
}

/** What the probe's receive wrapper records: call `sent` before the backend's receive and `answered` after. */
export function receiveView(): ReceiveView & { sent(queue: string, waitMs: number, maxMessages: number): number; answered(id: number, count: number): void } {
  let ids = 0;
  const view = {
    inFlight: new Map<number, { queue: string; since: number; waitMs: number; maxMessages: number }>(),
    lastSentAt: undefined as number | undefined,
    lastAnsweredAt: undefined as number | undefined,
    lastAnsweredCount: 0,
    sent(queue: string, waitMs: number, maxMessages: number) {
      const id = ++ids;
      view.lastSentAt = ms();
      view.inFlight.set(id, { queue, since: view.lastSentAt, waitMs, maxMessages });
      return id;
    },
    answered(id: number, count: number) {
      view.inFlight.delete(id);
      view.lastAnsweredAt = ms();
      view.lastAnsweredCount = count;
    },
  };
  return view;
}

function oldest<T extends { since: number }>(items: Iterable<T>): T | undefined {
  let found: T | undefined;
  for (const item of items) if (!found || item.since < found.since) found = item;
  return found;
}

/** One line of the worker's state. */
export function snapshot(worker: AnyRecord, receives: ReceiveView, extra: AnyRecord = {}): AnyRecord {
  const recv: AnyRecord = { inFlight: receives.inFlight.size, lastSentAgo: ago(receives.lastSentAt), lastAnsweredAgo: ago(receives.lastAnsweredAt), lastAnsweredCount: receives.lastAnsweredCount };
  const first = oldest(receives.inFlight.values());
  if (first) Object.assign(recv, { oldestAgo: ago(first.since), oldestWaitMs: first.waitMs, oldestMax: first.maxMessages });
  const budgetView = budget && {
    running: budget.running,
    settling: budget.settling,
    buffered: budget.buffered(),
    reserved: budget.reserved,
    reservations: budget.reservations,
    target: budget.target(),
    waitingForRoom: budget.waiting.length,
  };
  const intakeView = intake && { watched: [...intake.watched], events: intake.events, passWaits: intake.wakeUp !== undefined, watches: intake.watches.size };
  const firstWait = oldest(listenWaits.values());
  const listen = wakeups && { listening: wakeups.listening, startPendingMs: ago(listenStartSince), wakes, lastWakeAgo: ago(lastWakeAt), closed: wakeups.closed };
  const waits = { pending: listenWaits.size, ...(firstWait && { oldestMs: ago(firstWait.since), timeoutMs: firstWait.timeoutMs }) };
  const byKind: AnyRecord = {};
  for (const { kind, since } of statements.values()) {
    const entry = (byKind[kind] ??= { n: 0, oldestMs: 0 });
    entry.n += 1;
    entry.oldestMs = Math.max(entry.oldestMs, Math.round(ms() - since));
  }
  const poolView = pool && { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, fullConnects: poolWaitsForConnection };
  const workerView = { inFlight: worker.inFlight?.size, unsettled: worker.unsettled, startsAfterTurn: worker.startsAfterTurn !== undefined, waitedAtReservation: worker.waitedAtReservation };
  return { t: new Date().toISOString().slice(11, 23), ...extra, recv, budget: budgetView, intake: intakeView, listen, waits, sql: byKind, pool: poolView, worker: workerView };
}

/** Logs a snapshot to `file` every `everyMs` until the returned function is called. */
export function logIntake(file: string, worker: object, receives: ReceiveView, extra: () => AnyRecord, everyMs = 250): () => void {
  writeFileSync(file, "", { flag: "a" });
  const timer = setInterval(() => appendFileSync(file, JSON.stringify(snapshot(worker as AnyRecord, receives, extra())) + "\n"), everyMs);
  return () => clearInterval(timer);
}
