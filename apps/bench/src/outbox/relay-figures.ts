import { formatMs, formatNumber, formatRatio } from "../report/format.js";
import { overlappedKind } from "./pg-query-count.js";
import { latencyPercentiles, median, ratio, type LatencyPercentiles } from "../statistics.js";

/** What one round measured on one target, raw: moments on one monotonic clock (ms), CPU in µs. */
export interface RelayRoundSamples {
  readonly jobs: number;
  /** Direct bulk enqueue of the same jobs to the same target: first call → last call answered. */
  readonly direct: { readonly elapsedMs: number; readonly cpuUs: number };
  /**
   * The relay over a backlog: every transaction committed before it starts; relay started → last
   * job's send answered. PostgreSQL queries and target sends counted from the start until the
   * relay stopped (its last delete included).
   */
  readonly backlog: {
    readonly elapsedMs: number;
    readonly cpuUs: number;
    /** Relay batches: every row was committed before the relay started, so each take but the last returns a full batch. */
    readonly batches: number;
    /** Target sends (a batch is split where the target's batches are smaller: 10 on SQS). */
    readonly sends: number;
    readonly queries: Readonly<Record<string, number>>;
  };
  /** The relay running while the producers commit (woken by LISTEN/NOTIFY). */
  readonly live: {
    readonly firstBeginMs: number;
    readonly firstCommitMs: number;
    readonly lastCommitMs: number;
    readonly lastArrivalMs: number;
    readonly sends: number;
    /** Per job: its send answered − its transaction's COMMIT answered. */
    readonly latenciesMs: readonly number[];
  };
}

export interface RelayRoundFigures {
  readonly directRate: number;
  /** Jobs/s from the relay's start to the last job on the target, over a committed backlog. */
  readonly backlogRate: number;
  readonly backlogRatio: number;
  /** Jobs/s from the first commit to the last job on the target, committing while relaying. */
  readonly liveRate: number;
  readonly liveRatio: number;
  /** Jobs/s the producers committed (first BEGIN → last COMMIT): what bounds `liveRate`. */
  readonly stagingRate: number;
  readonly directCpuUsPerJob: number;
  readonly backlogCpuUsPerJob: number;
  readonly backlogSendsPerBatch: number;
  /** PostgreSQL queries over the backlog (lease, takes, deletes, the last empty take) per relay batch. */
  readonly backlogQueriesPerBatch: number;
  /** Of those, the ones sent while no target send was waiting: the round trips on the relay's path between two sends. */
  readonly backlogSerialQueriesPerBatch: number;
  readonly liveJobsPerSend: number;
  readonly latency: LatencyPercentiles;
}

const perSecond = (jobs: number, elapsedMs: number) => (elapsedMs > 0 ? (jobs * 1000) / elapsedMs : Number.NaN);
const sum = (counts: Readonly<Record<string, number>>) => Object.entries(counts).reduce((total, [kind, count]) => (kind === overlappedKind ? total : total + count), 0);

export function roundFigures(samples: RelayRoundSamples): RelayRoundFigures {
  const { jobs, direct, backlog, live } = samples;
  const directRate = perSecond(jobs, direct.elapsedMs);
  const backlogRate = perSecond(jobs, backlog.elapsedMs);
  const liveRate = perSecond(jobs, live.lastArrivalMs - live.firstCommitMs);
  return {
    directRate,
    backlogRate,
    backlogRatio: ratio(backlogRate, directRate),
    liveRate,
    liveRatio: ratio(liveRate, directRate),
    stagingRate: perSecond(jobs, live.lastCommitMs - live.firstBeginMs),
    directCpuUsPerJob: direct.cpuUs / jobs,
    backlogCpuUsPerJob: backlog.cpuUs / jobs,
    backlogSendsPerBatch: ratio(backlog.sends, backlog.batches),
    backlogQueriesPerBatch: ratio(sum(backlog.queries), backlog.batches),
    backlogSerialQueriesPerBatch: ratio(sum(backlog.queries) - (backlog.queries[overlappedKind] ?? 0), backlog.batches),
    liveJobsPerSend: ratio(jobs, live.sends),
    latency: latencyPercentiles(live.latenciesMs),
  };
}

/** The median of every figure over the rounds: a ratio is each round's own (relay and direct of one run), then the median of those. */
export function medianFigures(rounds: readonly RelayRoundFigures[]): RelayRoundFigures {
  if (rounds.length === 0) throw new RangeError("medianFigures needs at least one round");
  const of = (pick: (round: RelayRoundFigures) => number) => median(rounds.map(pick));
  return {
    directRate: of((round) => round.directRate),
    backlogRate: of((round) => round.backlogRate),
    backlogRatio: of((round) => round.backlogRatio),
    liveRate: of((round) => round.liveRate),
    liveRatio: of((round) => round.liveRatio),
    stagingRate: of((round) => round.stagingRate),
    directCpuUsPerJob: of((round) => round.directCpuUsPerJob),
    backlogCpuUsPerJob: of((round) => round.backlogCpuUsPerJob),
    backlogSendsPerBatch: of((round) => round.backlogSendsPerBatch),
    backlogQueriesPerBatch: of((round) => round.backlogQueriesPerBatch),
    backlogSerialQueriesPerBatch: of((round) => round.backlogSerialQueriesPerBatch),
    liveJobsPerSend: of((round) => round.liveJobsPerSend),
    latency: {
      count: rounds.reduce((total, round) => total + round.latency.count, 0),
      p50: of((round) => round.latency.p50),
      p95: of((round) => round.latency.p95),
      p99: of((round) => round.latency.p99),
      max: Math.max(...rounds.map((round) => round.latency.max)),
    },
  };
}

export interface RelayTargetResult {
  readonly target: string;
  readonly rounds: readonly RelayRoundFigures[];
  /** Queries by kind per round over the backlog, for the round-trip breakdown. */
  readonly backlogQueries: readonly Readonly<Record<string, number>>[];
  readonly median: RelayRoundFigures;
}

export interface RelaySettings {
  readonly transactions: number;
  readonly jobsPerTransaction: number;
  readonly producers: number;
  readonly rounds: number;
  readonly relayBatch: number;
  readonly directBatch: number;
}

const header = ["target", "round", "direct jobs/s", "relay backlog jobs/s", "backlog/direct", "relay live jobs/s", "live/direct", "staged jobs/s", "commit→enqueue p50", "p99", "max", "CPU µs/job direct", "CPU µs/job relay", "target sends/batch", "PG queries/batch", "of them between sends", "live jobs/send"];

function row(target: string, label: string, figures: RelayRoundFigures): string[] {
  return [
    target,
    label,
    formatNumber(figures.directRate),
    formatNumber(figures.backlogRate),
    formatRatio(figures.backlogRatio),
    formatNumber(figures.liveRate),
    formatRatio(figures.liveRatio),
    formatNumber(figures.stagingRate),
    formatMs(figures.latency.p50),
    formatMs(figures.latency.p99),
    formatMs(figures.latency.max),
    formatNumber(figures.directCpuUsPerJob),
    formatNumber(figures.backlogCpuUsPerJob),
    formatNumber(figures.backlogSendsPerBatch),
    formatNumber(figures.backlogQueriesPerBatch, 2),
    formatNumber(figures.backlogSerialQueriesPerBatch, 2),
    formatNumber(figures.liveJobsPerSend),
  ];
}

/** The markdown table: one row per round, then the medians in bold. */
export function renderRelayTable(results: readonly RelayTargetResult[]): string {
  const lines = [`| ${header.join(" | ")} |`, `|${header.map((_, index) => (index < 2 ? "---" : "---:")).join("|")}|`];
  for (const result of results) {
    result.rounds.forEach((figures, index) => lines.push(`| ${row(result.target, String(index + 1), figures).join(" | ")} |`));
    lines.push(`| ${row(result.target, "median", result.median).map((cell) => `**${cell}**`).join(" | ")} |`);
  }
  return lines.join("\n");
}

export function renderRelayReport(input: { readonly command: string; readonly startedAt: string; readonly loadAverage: readonly number[]; readonly settings: RelaySettings; readonly results: readonly RelayTargetResult[] }): string {
  const { settings } = input;
  return [
    "# Outbox relay: relay vs direct bulk enqueue",
    "",
    `\`${input.command}\` at ${input.startedAt}; load average ${input.loadAverage.map((value) => value.toFixed(2)).join(", ")} (1, 5, 15 min).`,
    `${settings.transactions} transactions × ${settings.jobsPerTransaction} jobs, ${settings.producers} producers, relay batch ${settings.relayBatch}, direct calls of ${settings.directBatch}, ${settings.rounds} rounds.`,
    "",
    renderRelayTable(input.results),
    "",
    "Backlog: every transaction committed, then the relay started; its rate runs to the last job's send answered by the target. " +
      "Live: the relay running (woken by LISTEN/NOTIFY) while the producers commit; its rate runs from the first COMMIT answered to the last send answered, so it cannot exceed the staged rate. " +
      "Latency: per job, its send answered by the target minus its transaction's COMMIT answered to the producer, on one clock. " +
      "Ratios are each round's relay over that round's direct enqueue; the bold row is the median of the rounds.",
    "",
  ].join("\n");
}
