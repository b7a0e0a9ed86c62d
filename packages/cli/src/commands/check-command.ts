import path from "node:path";
import type { Command } from "commander";
import { checkPayloadCompatibility, ConfigurationError, recordExampleSample, type CompatibilityFinding } from "@hopper/core";
import { usageError } from "../cli-error.js";
import type { ActionFactory, CliCommand } from "../command.js";
import { ExitCode } from "../exit-codes.js";
import { loadJobsModule } from "../jobs-module.js";
import { formatTable } from "../output.js";
import { readSamples, samplePath, writeSample } from "../payload-samples.js";

/**
 * `hopper check`: before a deploy, every stored payload sample of an older version
 * must upgrade to valid args of the current one, and the current version's sample
 * must still fit. Needs no backend. Exits 1 on any finding.
 */
export const checkCommand: CliCommand = {
  register(program: Command, action: ActionFactory) {
    program
      .command("check")
      .description("check that queued payloads of every older job version still run: samples are upgraded through each job's upgrades and validated by its schema (no backend needed)")
      .option("--jobs <module>", "the module that exports your job classes")
      .option("--samples <dir>", "the directory of payload samples, one <Job>/v<version>.json per job and version", "payload-samples")
      .option("--record", "first write a sample of each job's current version from its static exampleArgs (an existing file is kept)")
      .option("--overwrite", "with --record: replace existing samples of the current versions (only for a change that keeps old payloads valid)")
      .option("--allow-unchecked <jobs>", "comma-separated jobs allowed to have no schema (reported, not failed)", (value: string) => value.split(",").map((name) => name.trim()).filter(Boolean))
      .addHelpText("after", "\nExamples:\n  $ hopper check --jobs ./dist/jobs.js --samples payload-samples\n  $ hopper check --jobs ./dist/jobs.js --record   # after adding a job or a version")
      .action(
        action(async (context, options) => {
          const module = await loadJobsModule(options.jobs as string | undefined, context.io.cwd);
          const directory = path.resolve(context.io.cwd, options.samples as string);
          const recorded: string[] = [];
          if (options.record) {
            for (const jobClass of module.jobs) {
              if (jobClass.exampleArgs === undefined) continue; // reported by the check as a missing sample
              const sample = await recordExampleSample(jobClass);
              if (await writeSample(directory, sample, options.overwrite === true)) recorded.push(path.relative(context.io.cwd, samplePath(directory, sample.job, sample.version)));
            }
          }
          const report = await checkPayloadCompatibility(module.jobs, await readSamples(directory), { allowUnchecked: (options.allowUnchecked as string[] | undefined) ?? [] }).catch((error: unknown) => {
            if (ConfigurationError.isInstance(error) && error.field === "allowUnchecked") throw usageError(error.message.replace(/^allowUnchecked/, "--allow-unchecked"));
            throw error;
          });
          const table = formatTable(
            ["JOB", "VERSION", "SAMPLES", "STATUS"],
            report.jobs.map((job) => [job.job, job.version, job.samples.map((version) => `v${version}`).join(", ") || "-", job.status]),
          );
          const lines = [...recorded.map((file) => `recorded ${file}`), table, ...report.findings.map(describeFinding)];
          if (report.findings.length > 0) lines.push(`${report.findings.length} problem${report.findings.length === 1 ? "" : "s"}: a deploy of these jobs could break payloads already queued`);
          context.print(lines.join("\n"), { recorded, ...report });
          return report.findings.length === 0 ? ExitCode.ok : ExitCode.failure;
        }),
      );
  },
};

function describeFinding(finding: CompatibilityFinding): string {
  const where = [finding.job, finding.version !== undefined ? `v${finding.version}` : undefined, finding.field !== undefined ? `(${finding.field})` : undefined].filter(Boolean).join(" ");
  return `✗ ${where} ${finding.problem}: ${finding.message}`;
}
