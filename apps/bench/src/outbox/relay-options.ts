import { Command, Option } from "commander";
import { listOf, oneOf, positiveInteger } from "../bench-options.js";
import type { RelaySettings } from "./relay-figures.js";

export const relayTargets = ["redis", "sqs", "pubsub"] as const;
export type RelayTarget = (typeof relayTargets)[number];

export interface RelayBenchOptions extends RelaySettings {
  readonly targets: readonly RelayTarget[];
  /** Where the JSON and markdown go (relative to where the command was typed). */
  readonly outDir: string;
  readonly postgresUrl?: string;
}

export function parseRelayOptions(argv: readonly string[], output?: { writeOut(text: string): void; writeErr(text: string): void }): RelayBenchOptions {
  const program = new Command("outbox-relay")
    .description("The PostgreSQL outbox's relay against direct bulk enqueue to the same target, and commit→enqueue latency.")
    .addOption(new Option("-t, --targets <list>", `queues to relay to: ${relayTargets.join(", ")}`).argParser(listOf(oneOf(relayTargets, "target"))).default(["redis"]))
    .addOption(new Option("--transactions <n>", "committed transactions per phase").argParser(positiveInteger).default(200))
    .addOption(new Option("-k, --jobs-per-transaction <n>", "jobs staged in each transaction").argParser(positiveInteger).default(10))
    .addOption(new Option("-p, --producers <n>", "transactions committing at once").argParser(positiveInteger).default(4))
    .addOption(new Option("-r, --rounds <n>", "rounds (direct, backlog, live each); the report quotes their medians").argParser(positiveInteger).default(3))
    .addOption(new Option("--relay-batch <n>", "the relay's batchSize (rows per take)").argParser(positiveInteger).default(500))
    .addOption(new Option("--direct-batch <n>", "jobs per direct enqueueAll call").argParser(positiveInteger).default(500))
    .addOption(new Option("--postgres-url <url>", "the outbox's PostgreSQL (default: the local service)"))
    .addOption(new Option("-o, --out <dir>", "where the results go").default("benchmarks/results"))
    .exitOverride();
  if (output) program.configureOutput(output);
  program.parse([...argv], { from: "user" });
  const raw = program.opts<{ targets: RelayTarget[]; transactions: number; jobsPerTransaction: number; producers: number; rounds: number; relayBatch: number; directBatch: number; postgresUrl?: string; out: string }>();
  return {
    targets: [...new Set(raw.targets)],
    transactions: raw.transactions,
    jobsPerTransaction: raw.jobsPerTransaction,
    producers: raw.producers,
    rounds: raw.rounds,
    relayBatch: raw.relayBatch,
    directBatch: raw.directBatch,
    outDir: raw.out,
    ...(raw.postgresUrl !== undefined && { postgresUrl: raw.postgresUrl }),
  };
}
