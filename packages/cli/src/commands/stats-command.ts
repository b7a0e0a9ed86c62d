import { Option, type Command } from "commander";
import { deadLetterQueueName } from "@hopper/core";
import { abortableSleep, type Backend, type QueueStats } from "@hopper/core/backend";
import { CliError, usageError } from "../cli-error.js";
import { isProcessLocalUrl } from "../backend-url-option.js";
import type { ActionFactory, CliCommand, CommandContext } from "../command.js";
import { ExitCode } from "../exit-codes.js";
import { loadJobsModule } from "../jobs-module.js";
import { parseDurationMs, parseQueueList } from "../option-parsers.js";
import { formatTable } from "../output.js";
import { untilStopSignal } from "../stop-signals.js";

/** One row of `hopper stats`; `dead` counts the queue's dead letters (`<queue>-dead`). */
export interface QueueStatsRow extends QueueStats {
  readonly queue: string;
  readonly dead: number;
}

/** `hopper stats`: ready / delayed / in flight / dead per queue, once or every --interval. */
export const statsCommand: CliCommand = {
  register(program: Command, action: ActionFactory) {
    program
      .command("stats")
      .description("show ready, delayed, in-flight and dead-lettered jobs per queue (backends cannot list their queues: name them)")
      .addOption(new Option("--queues <names>", "comma-separated queues").argParser(parseQueueList))
      .option("--jobs <module>", "take the queues from this module's job classes instead")
      .option("--watch", "print again every --interval until SIGINT (with --json: one JSON line per sample)")
      .addOption(new Option("--interval <duration>", "time between samples with --watch").argParser(parseDurationMs).default(2000, "2s"))
      .addHelpText("after", "\nExamples:\n  $ hopper stats --url redis://localhost:6379 --queues mailers,default\n  $ hopper stats --jobs ./dist/jobs.js --watch --json   # HOPPER_URL gives the backend")
      .action(
        action(async (context, options) => {
          const url = context.url();
          const queues = (options.queues as string[] | undefined) ?? (options.jobs ? [...new Set((await loadJobsModule(options.jobs as string, context.io.cwd)).jobs.map((job) => job.queue))] : undefined);
          if (!queues) throw usageError("name the queues: --queues mailers,default, or --jobs ./dist/jobs.js to take them from the job classes (backends cannot list their queues)");
          if (isProcessLocalUrl(url)) context.logger.warn("memory:// queues live inside one process: this command sees its own, empty ones");
          const hopper = context.openHopper();
          try {
            const backend = await context.withTimeout(hopper.backend, "opening the backend");
            const read = () => context.withTimeout(sample(backend, queues), "reading the queue stats");
            if (!options.watch) {
              printSample(context, backend, await read(), false);
              return ExitCode.ok;
            }
            const stop = untilStopSignal();
            try {
              for (;;) {
                try {
                  printSample(context, backend, await read(), true);
                } catch (error) {
                  // A backend hiccup should not end a watch an operator left running; a backend without stats should.
                  if (error instanceof CliError && error.exitCode === ExitCode.unsupported) throw error;
                  context.logger.error("could not read the queue stats; trying again at the next interval", { error });
                }
                // A timer that holds the process between samples (a memory:// backend holds no socket that would).
                await abortableSleep(options.interval as number, stop.signal);
                if (stop.signal.aborted) return ExitCode.ok;
              }
            } finally {
              stop.dispose();
            }
          } finally {
            await context.withTimeout(hopper.close(), "closing the connection").catch(() => {});
          }
        }),
      );
  },
};

export async function sample(backend: Backend, queues: readonly string[]): Promise<QueueStatsRow[]> {
  const stats = backend.stats?.bind(backend);
  if (!stats) {
    throw new CliError(`the ${backend.name} backend keeps no queue statistics (Backend.stats is optional): read them from the provider's own console or metrics`, ExitCode.unsupported);
  }
  return Promise.all(
    queues.map(async (queue) => {
      const [counts, dead] = await Promise.all([stats(queue), stats(deadLetterQueueName(queue))]);
      return { queue, ready: counts.ready, delayed: counts.delayed, inFlight: counts.inFlight, dead: dead.ready + dead.delayed + dead.inFlight };
    }),
  );
}

function printSample(context: CommandContext, backend: Backend, rows: QueueStatsRow[], watching: boolean): void {
  const at = new Date().toISOString();
  const table = formatTable(["QUEUE", "READY", "DELAYED", "IN FLIGHT", "DEAD"], rows.map((row) => [row.queue, row.ready, row.delayed, row.inFlight, row.dead]));
  context.print(watching ? `${at}  ${backend.name}\n${table}\n` : table, { at, backend: backend.name, queues: rows });
}
