import type { Command } from "commander";
import { createHopper, type JobListQuery, type JobRecord } from "@hopper/core";
import { isProcessLocalUrl } from "../backend-url-option.js";
import type { ActionFactory, CliCommand } from "../command.js";
import { ExitCode } from "../exit-codes.js";
import { parsePositiveInteger } from "../option-parsers.js";
import { formatTable, truncate } from "../output.js";

/** `hopper jobs list`, over hopper.jobs.list: finished jobs from the job records, newest first. */
export const jobsCommand: CliCommand = {
  register(program: Command, action: ActionFactory) {
    const group = program
      .command("jobs")
      .description("look at jobs through their records (the backend's own record store: Redis, PostgreSQL, PGlite)")
      .addHelpText("after", "\nExample:\n  $ hopper jobs list --state dead --queue mailers --url redis://localhost:6379");
    group
      .command("list")
      .description("show the jobs that ended in --state, newest first, a page at a time (--after takes the cursor a page printed)")
      .requiredOption("--state <state>", "succeeded, failed, dead or cancelled")
      .option("--queue <queue>", "only this queue")
      .option("--job <name>", "only this job class")
      .option("--limit <n>", "most jobs to show (at most 500)", parsePositiveInteger, 50)
      .option("--after <cursor>", "the cursor the page before printed")
      .addHelpText("after", "\nExample:\n  $ hopper jobs list --state dead --job SendWelcomeEmail --limit 20 --json")
      .action(
        action(async (context, options) => {
          const query = {
            state: options.state as JobListQuery["state"],
            limit: options.limit as number,
            ...(options.queue !== undefined && { queue: options.queue as string }),
            ...(options.job !== undefined && { job: options.job as string }),
            ...(options.after !== undefined && { after: options.after as string }),
          };
          // Records on with the defaults: reading only, so keep times and bounds do not matter here.
          if (isProcessLocalUrl(context.url())) context.logger.warn("memory:// keeps job records inside one process: this command sees its own, empty ones");
          const hopper = createHopper({ url: context.url(), jobs: [], logger: context.logger, records: {} });
          try {
            const page = await context.withTimeout(hopper.jobs.list(query), "listing the job records");
            context.print(describePage(page.records, page.next), page);
            return ExitCode.ok;
          } finally {
            await context.withTimeout(hopper.close(), "closing the connection").catch(() => {});
          }
        }),
      );
  },
};

function describePage(records: readonly JobRecord[], next: string | null): string {
  if (records.length === 0) return "no such jobs in the records";
  const table = formatTable(
    ["ID", "JOB", "QUEUE", "STATE", "ATTEMPT", "FINISHED AT", "ERROR"],
    records.map((record) => [record.id, record.job, record.queue, record.state, record.attempt, record.finishedAt?.toISOString() ?? "-", record.error ? truncate(`${record.error.name}: ${record.error.message}`, 60) : "-"]),
  );
  return next ? `${table}\nmore: --after ${next}` : table;
}
