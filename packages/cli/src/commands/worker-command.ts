import { Option, type Command } from "commander";
import { redactUrl } from "@hopper/core";
import type { ActionFactory, CliCommand } from "../command.js";
import { ExitCode } from "../exit-codes.js";
import { loadJobsModule } from "../jobs-module.js";
import { parsePositiveInteger, parseWorkerQueues } from "../option-parsers.js";

/** `hopper worker`: runs jobs until SIGTERM/SIGINT, then shuts down as Worker.run() does. */
export const workerCommand: CliCommand = {
  register(program: Command, action: ActionFactory) {
    program
      .command("worker")
      .description("run jobs from the given queues until SIGTERM or SIGINT (graceful shutdown: running jobs finish or are handed back)")
      .requiredOption("--jobs <module>", "module whose exports are the job classes (e.g. ./dist/jobs.js)")
      .addOption(
        new Option("--queues <names>", "comma-separated queues (equal shares, or highest first with --order strict), or weights as critical:6,default:2,low:1; default: every queue of the exported jobs").argParser(
          parseWorkerQueues,
        ),
      )
      .addOption(new Option("--order <order>", "strict: a lower queue only when every higher one is empty; weighted: shares by weight").choices(["strict", "weighted"]))
      .option("--pause-check <duration>", "how often to read the queues' paused flags (hopper queues pause)", "1s")
      .addOption(new Option("--concurrency <n>", "jobs run at once in this process").argParser(parsePositiveInteger).default(10))
      .option("--shutdown-timeout <duration>", "how long running jobs get to finish after SIGTERM before they are handed back", "25s")
      .option("--poll-wait <duration>", "longest a receive waits for a job", "5s")
      .option("--exit-on-hung-job <duration>", "exit with code 70, for a supervisor to restart the process, once a job ignores its timeout this long")
      .addHelpText("after", "\nExample:\n  $ hopper worker --url redis://localhost:6379 --jobs ./dist/jobs.js --queues mailers,default --concurrency 20\n  $ hopper worker --jobs ./dist/jobs.js --queues critical,default,low --order strict\n  $ hopper worker --jobs ./dist/jobs.js --queues critical:6,default:2,low:1")
      .action(
        action(async (context, options) => {
          const url = context.url();
          const module = await loadJobsModule(options.jobs as string, context.io.cwd);
          const hopper = context.openHopper(module);
          try {
            const queues = (options.queues as string[] | undefined) ?? [...new Set(module.jobs.map((job) => job.queue))];
            const worker = hopper.worker({
              queues,
              ...(options.order !== undefined && { order: options.order as "strict" | "weighted" }),
              pauseCheck: options.pauseCheck as string,
              concurrency: options.concurrency as number,
              shutdownTimeout: options.shutdownTimeout as string,
              pollWait: options.pollWait as string,
              ...(options.exitOnHungJob !== undefined && { exitOnHungJob: options.exitOnHungJob as string }),
            });
            context.logger.info(`worker started on ${redactUrl(url)}`, { queues, concurrency: options.concurrency, jobs: module.jobs.map((job) => job.jobName ?? job.name), pid: process.pid });
            await worker.run();
            context.logger.info("worker stopped");
            return ExitCode.ok;
          } finally {
            await hopper.close();
          }
        }),
      );
  },
};
