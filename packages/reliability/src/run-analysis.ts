import { deadLetterKinds, exclusiveKey } from "./job-mix.js";
import type { LedgerEvent } from "./ledger-watch.js";

export interface RunAnalysisInput {
  readonly events: readonly LedgerEvent[];
  /** Ids returned by enqueue calls that resolved, with the kind they were enqueued as. */
  readonly owed: ReadonlyMap<string, string>;
  /** Dead letters read from the dead-letter queue (one entry per dead letter), with the kind their args name. */
  readonly deadLetters: readonly { readonly id: string; readonly kind: string | undefined }[];
  /** When each ledger file's process exited (a run it left open ended then). */
  readonly exitedAt: ReadonlyMap<string, number>;
  /** Ledger files of processes stopped by SIGTERM, with when the SIGTERM was sent. */
  readonly gracefullyStopped: ReadonlyMap<string, number>;
  /** When the server was down (crashed until answering again): a stop overlapping it could not ack. */
  readonly outages: readonly { readonly from: number; readonly to: number }[];
}

export interface RunAnalysis {
  /** Owed jobs with no completion (dead-letter kinds: no dead letter), by id. */
  readonly lost: string[];
  /** The kind each lost job was enqueued as. */
  readonly lostKinds: Record<string, string>;
  /** Completions beyond the first of each job, plus dead letters beyond the first. */
  readonly duplicateRuns: number;
  /** The same, by job kind (e.g. `plain 3, flaky 1`). */
  readonly duplicatesByKind: Record<string, number>;
  /**
   * Most runs of one job id seen running at the same moment (1 = never two at once), runs given up as overdue (`o`)
   * left out: such a run's process stalled past the whole lease, so it was not running when the job could be
   * claimed elsewhere, and it wrote nothing after waking but its `o` (the job checks its signal before settling).
   * A run its process died with counts until that process's last ledger line, not until its death.
   */
  readonly mostConcurrentRuns: number;
  /**
   * Most at once under one key that must be exclusive, runs given up as overdue left out: performs of a key limited
   * to 1 (copies of one job included), jobs of a unique key (copies of one job count once; see `exclusiveKey`).
   */
  readonly mostConcurrentPerExclusiveKey: number;
  /** A few keys that had two at once, each with its runs (job id, ledger file, start–end ms, how it ended). */
  readonly exclusiveOverlapSample: string[];
  /** Runs given up as overdue (`o`): their process stalled past the lease and aborted them on waking. */
  readonly overdueAborts: number;
  /** Of those, runs whose ledger interval (start to `o`) overlapped another run of the same job: the stalls that let another worker claim it. */
  readonly overdueAbortsOverlapping: number;
  /** A few of those, with every run of the job (as in `overlapSample`), to diagnose. */
  readonly overdueSample: string[];
  /** Delayed jobs that started before the moment they were enqueued for. */
  readonly earlyStarts: number;
  /** Dead letters of jobs that were not meant to fail for good. */
  readonly unexpectedDeadLetters: string[];
  /** SIGTERMed processes whose stop() never resolved (no `stopped` line). */
  readonly stopsUnfinished: number;
  /** Runs started after stop() resolved, in SIGTERMed processes. */
  readonly startsAfterStop: number;
  /** Runs still open when stop() resolved: neither finished nor handed back. */
  readonly runningAtStop: number;
  /**
   * Jobs a SIGTERMed process completed while it stopped (between the SIGTERM and its exit) and acked (the
   * ack resolved, or its stop() resolved with the ack still unsettled) that completed again later
   * elsewhere; stops that overlapped a server outage aside. An ack that rejected, or never went out
   * before a server crash, makes a redelivery the crash's doing; a completion before the SIGTERM is an
   * ordinary run, whose duplicates (a lease that ran out under a stalled process) count as duplicate runs.
   */
  readonly completedAgainAfterGracefulStop: number;
  /** A few of those, with their times, to diagnose. */
  readonly completedAgainSample: string[];
  /**
   * Jobs that ran twice at once (overdue aborts left out), each with all its runs (ledger file, start, end, and how
   * it ended: `e` done, `f` threw, `x` aborted by its signal, `o` given up as overdue, `exit` its process died).
   */
  readonly overlapSample: string[];
  /** The ids of the jobs in `overlapSample` and `overdueSample`, to find the workers' lines about them. */
  readonly sampledJobIds: string[];
  /**
   * Runs that started after an earlier completion of the same job had its ack resolved: the
   * backend took the ack and still delivered the job again. Counted within the duplicate runs.
   */
  readonly startedAgainAfterAck: number;
}

/** One `e` line, and what became of its ack. */
interface Completion {
  readonly file: string;
  readonly at: number;
  ack: "none" | "resolved" | "rejected" | "unsettled at stop";
  /** When its ack resolved. */
  ackedAt?: number;
}

interface Run {
  readonly file: string;
  readonly jobId: string;
  readonly kind: string;
  readonly n: number;
  readonly startAt: number;
  endAt: number;
  endedBy: "e" | "f" | "x" | "o" | "exit" | "open";
  /**
   * The last moment the run is known to have been running: its end, or for a run its process died with (`exit`),
   * that process's last ledger line. A worker SIGKILLed while stalled shows no sign of life after the stall began;
   * its exit is not when it last ran.
   */
  seenUntil: number;
}

/** Reads the merged ledger: what was lost, run twice, run twice at once, and what SIGTERM left behind. */
export function analyzeRuns(input: RunAnalysisInput): RunAnalysis {
  const runs: Run[] = [];
  const completions = new Map<string, number>();
  const completedAt = new Map<string, Completion[]>();
  let earlyStarts = 0;
  let startsAfterStop = 0;
  let runningAtStop = 0;
  const byFile = new Map<string, LedgerEvent[]>();
  for (const event of input.events) {
    const list = byFile.get(event.file) ?? [];
    list.push(event);
    byFile.set(event.file, list);
  }
  let stopsUnfinished = 0;
  for (const [file, events] of byFile) {
    const open = new Map<string, Run[]>();
    // Completions of this process whose ack has not settled yet, by job id (ack-ledger.ts writes `a` / `af`).
    const unacked = new Map<string, Completion[]>();
    let stoppedAt: number | undefined;
    for (const event of events) {
      if (event.event === "stopped") {
        stoppedAt = event.at;
        for (const list of open.values()) runningAtStop += list.length;
        for (const list of unacked.values()) for (const completion of list) completion.ack = "unsettled at stop";
        continue;
      }
      if (event.event === "a" || event.event === "af") {
        const completion = unacked.get(event.jobId)?.shift();
        if (completion) completion.ack = event.event === "a" ? "resolved" : "rejected";
        if (completion && event.event === "a") completion.ackedAt = event.at;
        continue;
      }
      if (event.event === "early") earlyStarts += 1;
      if (event.event === "s") {
        if (stoppedAt !== undefined) startsAfterStop += 1;
        const run: Run = { file, jobId: event.jobId, kind: event.kind, n: event.n, startAt: event.at, endAt: Number.POSITIVE_INFINITY, endedBy: "open", seenUntil: Number.POSITIVE_INFINITY };
        runs.push(run);
        open.set(event.jobId, [...(open.get(event.jobId) ?? []), run]);
      }
      if (event.event === "e" || event.event === "f" || event.event === "x" || event.event === "o") {
        const list = open.get(event.jobId);
        const run = list?.shift();
        if (run) {
          run.endAt = event.at;
          run.seenUntil = event.at;
          run.endedBy = event.event;
        }
        if (list?.length === 0) open.delete(event.jobId);
      }
      if (event.event === "e") {
        completions.set(event.jobId, (completions.get(event.jobId) ?? 0) + 1);
        const completion: Completion = { file, at: event.at, ack: "none" };
        completedAt.set(event.jobId, [...(completedAt.get(event.jobId) ?? []), completion]);
        unacked.set(event.jobId, [...(unacked.get(event.jobId) ?? []), completion]);
      }
    }
    // A run its process never finished ended when the process died.
    const exitedAt = input.exitedAt.get(file);
    for (const list of open.values()) {
      for (const run of list) {
        run.endAt = exitedAt ?? Number.POSITIVE_INFINITY;
        if (exitedAt !== undefined) run.endedBy = "exit";
        run.seenUntil = exitedAt === undefined ? run.endAt : Math.max(run.startAt, events.at(-1)!.at);
      }
    }
    if (input.gracefullyStopped.has(file) && stoppedAt === undefined) stopsUnfinished += 1;
  }

  const deadLetters = new Map<string, number>();
  const kindOf = new Map<string, string>();
  for (const run of runs) kindOf.set(run.jobId, run.kind);
  for (const letter of input.deadLetters) {
    deadLetters.set(letter.id, (deadLetters.get(letter.id) ?? 0) + 1);
    if (letter.kind) kindOf.set(letter.id, letter.kind);
  }
  const lost: string[] = [];
  const unexpectedDeadLetters: string[] = [];
  for (const [id, kind] of input.owed) {
    const settled = deadLetterKinds.includes(kind) ? deadLetters.has(id) : completions.has(id);
    if (!settled) lost.push(id);
  }
  // A dead letter's kind comes from its own args: a rejected call may have sent its doomed jobs anyway.
  for (const [id] of deadLetters) if (!deadLetterKinds.includes(kindOf.get(id) ?? "")) unexpectedDeadLetters.push(id);

  let duplicateRuns = 0;
  const duplicatesByKind: Record<string, number> = {};
  for (const counts of [completions, deadLetters]) {
    for (const [id, count] of counts) {
      if (count < 2) continue;
      duplicateRuns += count - 1;
      const kind = kindOf.get(id) ?? "unknown";
      duplicatesByKind[kind] = (duplicatesByKind[kind] ?? 0) + count - 1;
    }
  }

  let completedAgainAfterGracefulStop = 0;
  const completedAgainSample: string[] = [];
  // Set aside: stops that overlapped an outage, and completions whose ack rejected or never settled
  // before the process went on (a server crash in between): their redelivery is the crash's doing.
  const cleanStop = (file: string) => {
    const from = input.gracefullyStopped.get(file);
    const to = input.exitedAt.get(file) ?? Number.POSITIVE_INFINITY;
    return from !== undefined && !input.outages.some((outage) => from <= outage.to && to >= outage.from);
  };
  const ackedWhileStopping = (completion: Completion) =>
    completion.at >= (input.gracefullyStopped.get(completion.file) ?? Number.POSITIVE_INFINITY) && (completion.ack === "resolved" || completion.ack === "unsettled at stop");
  for (const [jobId, list] of completedAt) {
    const graceful = list.find((entry) => cleanStop(entry.file) && ackedWhileStopping(entry));
    const again = graceful && list.find((entry) => entry.file !== graceful.file && entry.at > graceful.at);
    if (!graceful || !again) continue;
    completedAgainAfterGracefulStop += 1;
    if (completedAgainSample.length < 5) {
      completedAgainSample.push(`${jobId} (${kindOf.get(jobId)}): completed at ${graceful.at} (ack ${graceful.ack}) by a process SIGTERMed at ${input.gracefullyStopped.get(graceful.file)} that exited at ${input.exitedAt.get(graceful.file)}, again at ${again.at}; outages ${JSON.stringify(input.outages)}`);
    }
  }

  let startedAgainAfterAck = 0;
  for (const run of runs) {
    const firstAck = Math.min(...(completedAt.get(run.jobId) ?? []).map((completion) => completion.ackedAt ?? Number.POSITIVE_INFINITY));
    if (run.startAt > firstAck) startedAgainAfterAck += 1;
  }

  const byJob = groupBy(runs, (run) => run.jobId);
  // Runs given up as overdue did nothing while another could hold the job (see mostConcurrentRuns): counted apart.
  const live = (group: readonly Run[]) => group.filter((run) => run.endedBy !== "o");
  const overdueOverlapping = byJob.flatMap((group) =>
    group.filter((run) => run.endedBy === "o" && group.some((other) => other !== run && other.startAt < run.endAt && run.startAt < other.seenUntil)).map((run) => ({ run, group })),
  );
  const exclusiveGroups = groupBy(live(runs), (run) => exclusiveKey(run.kind, run.n)?.key);
  const mostOfExclusiveKey = (group: readonly Run[]) => mostAtOnce([group], exclusiveKey(group[0]!.kind, group[0]!.n)!.counts === "jobs" ? (run) => run.jobId : undefined);
  const overlapping = byJob.filter((group) => mostAtOnce([live(group)]) > 1).slice(0, 3);
  const overdueGroups = [...new Set(overdueOverlapping.map(({ group }) => group))].slice(0, 3);
  const describe = (group: readonly Run[]) => `${group[0]!.jobId} (${group[0]!.kind}): ${group.map(describeRun).join(", ")}`;

  return {
    lost,
    startedAgainAfterAck,
    lostKinds: Object.fromEntries(lost.map((id) => [id, input.owed.get(id) ?? "unknown"])),
    duplicateRuns,
    duplicatesByKind,
    mostConcurrentRuns: mostAtOnce(byJob.map(live)),
    overlapSample: overlapping.map(describe),
    overdueAborts: runs.filter((run) => run.endedBy === "o").length,
    overdueAbortsOverlapping: overdueOverlapping.length,
    overdueSample: overdueGroups.map(describe),
    sampledJobIds: [...overlapping, ...overdueGroups].map((group) => group[0]!.jobId),
    mostConcurrentPerExclusiveKey: Math.max(0, ...exclusiveGroups.map(mostOfExclusiveKey)),
    exclusiveOverlapSample: exclusiveGroups
      .filter((group) => mostOfExclusiveKey(group) > 1)
      .slice(0, 3)
      .map((group) => `${exclusiveKey(group[0]!.kind, group[0]!.n)!.key} (${group[0]!.kind}): ${group.map((run) => `${run.jobId} ${describeRun(run)}`).join(", ")}`),
    earlyStarts,
    unexpectedDeadLetters,
    stopsUnfinished,
    startsAfterStop,
    runningAtStop,
    completedAgainAfterGracefulStop,
    completedAgainSample,
  };
}

function groupBy(runs: readonly Run[], key: (run: Run) => string | undefined): Run[][] {
  const groups = new Map<string, Run[]>();
  for (const run of runs) {
    const value = key(run);
    if (value === undefined) continue;
    const group = groups.get(value);
    if (group) group.push(run);
    else groups.set(value, [run]);
  }
  return [...groups.values()];
}

/** A run as the samples show it: ledger file, start–end ms, how it ended, and when last seen if before its end. */
function describeRun(run: Run): string {
  return `${run.file.split("/").pop()} ${run.startAt}–${run.endAt} ${run.endedBy}${run.seenUntil < run.endAt ? ` (last seen ${run.seenUntil})` : ""}`;
}

/**
 * The most runs seen running at one moment in any group (start to `seenUntil`; one ending as another starts does not
 * overlap); runs with the same `unit` (when given) count once.
 */
function mostAtOnce(groups: readonly (readonly Run[])[], unit?: (run: Run) => string): number {
  let most = 0;
  for (const group of groups) {
    const points = group.flatMap((run) => [
      { at: run.startAt, delta: 1, run },
      // A clock stepped back between a run's lines must not end it before it began (the count would go below zero).
      { at: Math.max(run.startAt, run.seenUntil), delta: -1, run },
    ]);
    points.sort((left, right) => left.at - right.at || left.delta - right.delta);
    let current = 0;
    const runningOfUnit = new Map<string, number>();
    for (const point of points) {
      if (unit) {
        const before = runningOfUnit.get(unit(point.run)) ?? 0;
        runningOfUnit.set(unit(point.run), before + point.delta);
        // A unit counts while any of its runs is running.
        if (before + point.delta === 0 || before === 0) current += point.delta;
      } else {
        current += point.delta;
      }
      most = Math.max(most, current);
    }
  }
  return most;
}
