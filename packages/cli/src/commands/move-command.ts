import { InvalidArgumentError, Option, type Command } from "commander";
import { ConfigurationError, createHopper, moveJobs, redactUrl, UnsupportedCapabilityError, type DroppableField, type Hopper, type MoveProgress, type MoveReport } from "@hopper/core";
import type { Backend } from "@hopper/core/backend";
import { checkBackendUrl, isProcessLocalUrl } from "../backend-url-option.js";
import { CliError, usageError } from "../cli-error.js";
import type { ActionFactory, CliCommand, CommandContext } from "../command.js";
import { ExitCode } from "../exit-codes.js";
import { loadJobsModule } from "../jobs-module.js";
import { parseDurationMs, parsePositiveInteger, parseQueueList } from "../option-parsers.js";
import { formatTable } from "../output.js";
import { untilStopSignal } from "../stop-signals.js";

const droppable: readonly DroppableField[] = ["priority", "orderingKey", "dedupeKey"];
// A progress line at most this often (a line per batch would flood a log).
const progressEveryMs = 1000;

/** `hopper move`: drains queues of one backend into another (moveJobs), with progress, a summary, and SIGINT/SIGTERM stopping after the batch in hand. */
export const moveCommand: CliCommand = {
  register(program: Command, action: ActionFactory) {
    program
      .command("move")
      .description("move jobs, delayed ones included, from one backend to another: each acked on the source only once the target holds it")
      .requiredOption("--from <url>", "the backend the jobs are on")
      .requiredOption("--to <url>", "the backend they go to")
      .addOption(new Option("--queue <names>", "comma-separated queues to move (same names on the target)").argParser(parseQueueList))
      .option("--jobs <module>", "take the queues from this module's job classes instead")
      .addOption(new Option("--drop <fields>", "move jobs whose priority, orderingKey or dedupeKey the target cannot hold without it, instead of stopping (comma-separated)").argParser(parseDropList))
      .option("--leave-delayed", "when the source cannot take jobs before they are due (SQS, Pub/Sub): move the due ones and leave the delayed ones, instead of refusing")
      .addOption(new Option("--batch-size <n>", "jobs leased and sent per batch").argParser(parsePositiveInteger).default(500))
      .addOption(new Option("--lease <duration>", "how long the source leases a batch while it is moved").argParser(parseDurationMs).default(60_000, "1m"))
      .addHelpText(
        "after",
        `
Each job keeps its id, body (attempt, meta), priority, ordering key and the delay left.
A job goes to the target first and is acked on the source after: a move stopped or
killed in between leaves it on the source too, and the next move sends it again.
SIGINT/SIGTERM: the batch in hand finishes, then the move stops (exit 1, summary printed).

Examples:
  $ hopper move --from redis://localhost:6379 --to postgres://localhost/app --queue mailers,default
  $ hopper move --from postgres://localhost/app --to 'sqs://eu-west-1/app-' --jobs ./dist/jobs.js --drop priority --json`,
      )
      .action(action(async (context, options) => runMove(context, options)));
  },
};

async function runMove(context: CommandContext, options: Record<string, unknown>): Promise<ExitCode> {
  const from = checkBackendUrl(options.from as string, "--from");
  const to = checkBackendUrl(options.to as string, "--to");
  if (from === to) throw usageError("--from and --to are the same URL: a queue moved onto itself would go round forever");
  if (isProcessLocalUrl(from) || isProcessLocalUrl(to)) throw usageError("memory:// queues live inside one process: there is nothing to move from or to in another one");
  const queues = (options.queue as string[] | undefined) ?? (options.jobs ? [...new Set((await loadJobsModule(options.jobs as string, context.io.cwd)).jobs.map((job) => job.queue))] : undefined);
  if (!queues) throw usageError("name the queues: --queue mailers,default, or --jobs ./dist/jobs.js to take them from the job classes (backends cannot list their queues)");

  const hoppers: Hopper[] = [];
  const stop = untilStopSignal();
  void stop.promise.then(() => context.logger.info("stopping after the batch in hand"));
  try {
    // Both opened at once: a bad --to is reported without waiting on the --from server first.
    const [source, target] = (await openBackends(context, [
      [from, "--from"],
      [to, "--to"],
    ], hoppers)) as [Backend, Backend];
    let lastLine = 0;
    const onProgress = (progress: MoveProgress) => {
      if (Date.now() - lastLine < progressEveryMs) return;
      lastLine = Date.now();
      context.logger.info(progressLine(progress), { queue: progress.queue, moved: progress.total.moved, delayedMoved: progress.total.delayedMoved, failed: progress.total.failed });
    };
    let report: MoveReport;
    try {
      report = await moveJobs({
        from: source,
        to: target,
        queues,
        signal: stop.signal,
        onProgress,
        batchSize: options.batchSize as number,
        leaseMs: options.lease as number,
        drop: (options.drop as DroppableField[] | undefined) ?? [],
        leaveDelayed: options.leaveDelayed === true,
      });
    } catch (error) {
      if (UnsupportedCapabilityError.isInstance(error)) throw new CliError(`${error.message}${dropHint(error.capability)}`, ExitCode.unsupported, { cause: error });
      throw error;
    }
    printReport(context, report, { from, to });
    return report.failed > 0 || report.stopped ? ExitCode.failure : ExitCode.ok;
  } finally {
    stop.dispose();
    await Promise.all(hoppers.map((hopper) => context.withTimeout(hopper.close(), "closing the connection", "a backend").catch(() => {})));
  }
}

/** The backends at the URLs; a bad scheme or parameter is a usage error naming the flag, at once, before any unreachable server. */
async function openBackends(context: CommandContext, urls: readonly (readonly [string, string])[], hoppers: Hopper[]): Promise<Backend[]> {
  const outcomes: ({ backend: Backend } | { error: unknown } | undefined)[] = urls.map(() => undefined);
  let configurationError!: () => void;
  const refused = new Promise<void>((resolve) => (configurationError = resolve));
  const attempts = urls.map(async ([url, flag], index) => {
    try {
      const hopper = createHopper({ url, jobs: [], logger: context.logger });
      hoppers.push(hopper);
      outcomes[index] = { backend: await context.withTimeout(hopper.backend, `opening ${flag}`, url) };
    } catch (error) {
      outcomes[index] = { error };
      if (ConfigurationError.isInstance(error)) configurationError();
    }
  });
  // A bad URL is known without a server: do not wait for the other one's --timeout first.
  await Promise.race([Promise.all(attempts), refused]);
  const failures = outcomes.flatMap((outcome, index) => (outcome && "error" in outcome ? [{ error: outcome.error, url: urls[index]![0], flag: urls[index]![1] }] : []));
  const failure = failures.find(({ error }) => ConfigurationError.isInstance(error)) ?? failures[0];
  if (failure) {
    // Nothing was moved, so nothing to flush: a client still connecting must not hold the error back.
    for (const hopper of hoppers.splice(0)) void hopper.close().catch(() => {});
    const { error, url, flag } = failure;
    if (ConfigurationError.isInstance(error)) throw usageError(`${flag} ${redactUrl(url)}: ${error.message}`, error);
    if (error instanceof CliError) throw error;
    throw new CliError(`cannot open ${flag} ${redactUrl(url)}: ${error instanceof Error ? error.message : String(error)}`, ExitCode.failure, { cause: error });
  }
  return outcomes.map((outcome) => (outcome as { backend: Backend }).backend);
}

function dropHint(capability: string): string {
  const field = ({ priority: "priority", ordering: "orderingKey", deduplication: "dedupeKey" } as Record<string, string>)[capability];
  return field ? ` (or pass --drop ${field} to move these jobs without it)` : "";
}

function progressLine({ queue, queueTally, total }: MoveProgress): string {
  return `moving ${queue}: ${queueTally.moved} moved (${queueTally.delayedMoved} delayed), ${queueTally.duplicates} duplicates; ${total.moved} in all`;
}

function printReport(context: CommandContext, report: MoveReport, urls: { from: string; to: string }): void {
  const rows = report.queues.map((queue) => [queue.queue, queue.moved, queue.delayedMoved, queue.duplicates, queue.failed, queue.leftOnSource ? queue.leftOnSource.ready + queue.leftOnSource.delayed + queue.leftOnSource.inFlight : "?"] as (string | number)[]);
  const notes: string[] = [];
  if (report.stopped) notes.push("stopped by a signal before every queue was drained: run the same command again to go on");
  for (const queue of report.queues) {
    if (queue.error) notes.push(`${queue.queue}: the target refused ${queue.failed} job(s), left on the source: ${queue.error.message}`);
    if (queue.leftOnSource?.inFlight) notes.push(`${queue.queue}: ${queue.leftOnSource.inFlight} job(s) in flight on the source (workers still running there): move again once they stopped`);
    if (queue.leftOnSource?.delayed && !report.tookScheduled) notes.push(`${queue.queue}: ${queue.leftOnSource.delayed} delayed job(s) left on the source (it cannot take jobs before they are due)`);
  }
  if (report.ackFailures > 0) notes.push(`${report.ackFailures} job(s) reached the target but could not be acked on the source: a later move sends them again`);
  for (const field of droppable) if (report.dropped[field] > 0) notes.push(`${report.dropped[field]} job(s) moved without their ${field} (--drop)`);
  const table = formatTable(["QUEUE", "MOVED", "DELAYED", "DUPLICATES", "FAILED", "LEFT"], rows);
  const human = `moved ${report.moved} job(s) (${report.delayedMoved} delayed) from ${redactUrl(urls.from)} to ${redactUrl(urls.to)}; ${report.duplicates} duplicate(s) skipped by the target\n${table}${notes.map((note) => `\n${note}`).join("")}`;
  const data = { ...report, from: redactUrl(urls.from), to: redactUrl(urls.to), queues: report.queues.map(({ error, ...queue }) => ({ ...queue, ...(error && { error: error.message }) })), notes };
  context.print(human, data);
}

function parseDropList(value: string): DroppableField[] {
  const fields = value.split(",").map((field) => field.trim()).filter((field) => field !== "");
  const unknown = fields.filter((field) => !(droppable as readonly string[]).includes(field));
  if (fields.length === 0 || unknown.length > 0) throw new InvalidArgumentError(`use ${droppable.join(", ")} (comma-separated).`);
  return fields as DroppableField[];
}
