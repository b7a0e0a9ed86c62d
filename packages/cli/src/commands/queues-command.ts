import type { Command } from "commander";
import type { Hopper, QueueInfo } from "@hopper/core";
import { isProcessLocalUrl } from "../backend-url-option.js";
import type { ActionFactory, CliCommand, CommandContext } from "../command.js";
import { ExitCode } from "../exit-codes.js";
import { loadJobsModule } from "../jobs-module.js";
import { formatTable } from "../output.js";

/** `hopper queues pause|resume|list`, over hopper.queues: the queues are those of the --jobs module's job classes. */
export const queuesCommand: CliCommand = {
  register(program: Command, action: ActionFactory) {
    const group = program
      .command("queues")
      .description("pause, resume and list queues in every worker that shares the coordination store (no restarts)")
      .addHelpText("after", "\nExample:\n  $ hopper queues pause mailers --url redis://localhost:6379 --jobs ./dist/jobs.js");
    const jobsOption = "module whose exports are the job classes: their queues are the ones this command knows";

    for (const [verb, paused] of [
      ["pause", true],
      ["resume", false],
    ] as const) {
      group
        .command(`${verb} <queue>`)
        .description(
          paused
            ? "stop workers starting <queue>'s jobs within their pause check (default 1s); enqueues still go in, running jobs finish, buffered ones go back"
            : "let workers take <queue>'s jobs again within their pause check (default 1s)",
        )
        .requiredOption("--jobs <module>", jobsOption)
        .addHelpText("after", `\nExample:\n  $ hopper queues ${verb} mailers --jobs ./dist/jobs.js`)
        .action(
          action(async (context, options, queue: string) =>
            withQueues(context, options.jobs as string, async (hopper) => {
              await context.withTimeout(paused ? hopper.queues.pause(queue) : hopper.queues.resume(queue), `${verb === "pause" ? "pausing" : "resuming"} ${queue}`);
              context.print(`${queue} ${paused ? "paused" : "resumed"}`, { queue, paused });
              return ExitCode.ok;
            }),
          ),
        );
    }

    group
      .command("list")
      .description("show each queue of the jobs module with its paused flag and the backend's counts (where it keeps them)")
      .requiredOption("--jobs <module>", jobsOption)
      .addHelpText("after", "\nExample:\n  $ hopper queues list --jobs ./dist/jobs.js --json")
      .action(
        action(async (context, options) =>
          withQueues(context, options.jobs as string, async (hopper) => {
            const queues = await context.withTimeout(hopper.queues.list(), "reading the queues");
            context.print(describeQueues(queues), { queues });
            return ExitCode.ok;
          }),
        ),
      );
  },
};

async function withQueues(context: CommandContext, jobs: string, use: (hopper: Hopper) => Promise<ExitCode>): Promise<ExitCode> {
  const url = context.url();
  const module = await loadJobsModule(jobs, context.io.cwd);
  if (isProcessLocalUrl(url)) context.logger.warn("memory:// queues live inside one process: a pause here reaches no worker");
  const hopper = context.openHopper(module);
  try {
    return await use(hopper);
  } finally {
    await context.withTimeout(hopper.close(), "closing the connection").catch(() => {});
  }
}

function describeQueues(queues: readonly QueueInfo[]): string {
  const count = (queue: QueueInfo, key: "ready" | "delayed" | "inFlight") => (queue.stats ? queue.stats[key] : "-");
  return formatTable(
    ["QUEUE", "STATE", "READY", "DELAYED", "IN FLIGHT"],
    queues.map((queue) => [queue.name, queue.paused ? "paused" : "running", count(queue, "ready"), count(queue, "delayed"), count(queue, "inFlight")]),
  );
}
