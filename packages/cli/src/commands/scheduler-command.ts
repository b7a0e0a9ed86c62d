import type { Command } from "commander";
import { redactUrl, type Hopper } from "@hopper/core";
import { usageError } from "../cli-error.js";
import type { ActionFactory, CliCommand } from "../command.js";
import { ExitCode } from "../exit-codes.js";
import { loadJobsModule } from "../jobs-module.js";

/** `hopper scheduler`: enqueues the recurring jobs the module's `schedules(hopper)` registers, until SIGTERM/SIGINT. */
export const schedulerCommand: CliCommand = {
  register(program: Command, action: ActionFactory) {
    program
      .command("scheduler")
      .description("enqueue recurring jobs at their ticks until SIGTERM or SIGINT; run it in any number of processes (each tick is enqueued once)")
      .requiredOption("--jobs <module>", "module that exports the job classes and a function schedules(hopper) calling hopper.schedule(...)")
      .addHelpText(
        "after",
        `
The jobs module registers its recurring jobs in an exported function:

  export function schedules(hopper) {
    hopper.schedule("nightly-report", "0 3 * * *", NightlyReport, {}, { timezone: "Europe/Paris" });
  }

Example:
  $ hopper scheduler --url postgres://localhost/app --jobs ./dist/jobs.js`,
      )
      .action(
        action(async (context, options) => {
          const url = context.url();
          const module = await loadJobsModule(options.jobs as string, context.io.cwd);
          if (!module.schedules) {
            throw usageError(`--jobs ${options.jobs as string} exports no schedules function: add export function schedules(hopper) { hopper.schedule("name", "*/5 * * * *", SomeJob, args) }`);
          }
          const hopper = context.openHopper(module);
          try {
            const registered = await registerSchedules(hopper, module.schedules);
            if (registered.length === 0) throw usageError(`--jobs ${options.jobs as string}: schedules(hopper) registered no recurring job; call hopper.schedule(name, cron, JobClass, args) in it`);
            const scheduler = hopper.scheduler();
            context.logger.info(`scheduler started on ${redactUrl(url)}`, { schedules: registered, pid: process.pid });
            await scheduler.run();
            context.logger.info("scheduler stopped");
            return ExitCode.ok;
          } finally {
            await hopper.close();
          }
        }),
      );
  },
};

/** Calls the module's `schedules(hopper)` and reports what it registered. */
export async function registerSchedules(hopper: Hopper, schedules: (hopper: Hopper) => unknown): Promise<{ name: string; cron: string; job: string }[]> {
  const registered: { name: string; cron: string; job: string }[] = [];
  // The Hopper as the module sees it, with schedule() noting each registration.
  const noting: Hopper = Object.create(hopper, {
    schedule: {
      value: ((name, cron, jobClass, args, scheduleOptions) => {
        hopper.schedule(name, cron, jobClass, args, scheduleOptions);
        registered.push({ name, cron, job: jobClass.jobName ?? jobClass.name });
      }) satisfies Hopper["schedule"],
    },
  });
  await schedules(noting);
  return registered;
}
