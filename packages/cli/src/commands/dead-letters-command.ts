import { Option, type Command } from "commander";
import { validateQueueName, type DeadLetter, type DeadLetters } from "@hopper/core";
import { isProcessLocalUrl } from "../backend-url-option.js";
import { usageError } from "../cli-error.js";
import type { ActionFactory, CliCommand, CommandContext } from "../command.js";
import { ExitCode } from "../exit-codes.js";
import { parsePositiveInteger, parseWaitDurationMs } from "../option-parsers.js";
import { formatTable, truncate } from "../output.js";

/** `hopper dead-letters list|retry|discard <queue>`, over hopper.deadLetters(queue). */
export const deadLettersCommand: CliCommand = {
  register(program: Command, action: ActionFactory) {
    const group = program
      .command("dead-letters")
      .description("inspect, retry or discard the jobs a queue gave up on (kept in <queue>-dead)")
      .addHelpText("after", "\nExample:\n  $ hopper dead-letters list mailers --url redis://localhost:6379");
    const max = () => new Option("--max <n>", "most dead letters to handle").argParser(parsePositiveInteger).default(10);
    const wait = () => new Option("--wait <duration>", "how long to wait for dead letters to arrive (long polling backends such as SQS may need 1s)").argParser(parseWaitDurationMs).default(0, "0");

    group
      .command("list <queue>")
      .description("show up to --max dead letters of <queue> and leave them in place (at most one receive batch of the backend)")
      .addOption(max())
      .addOption(wait())
      .addHelpText("after", "\nExample:\n  $ hopper dead-letters list mailers --max 20 --json")
      .action(
        action(async (context, options, queue: string) =>
          withDeadLetters(context, queue, async (deadLetters) => {
            const letters = await deadLetters.peek({ max: options.max as number, waitMs: options.wait as number });
            context.print(describeLetters(queue, letters), { queue, deadLetters: letters });
            return ExitCode.ok;
          }),
        ),
      );

    group
      .command("retry <queue>")
      .description("move up to --max dead letters back to <queue> as fresh first attempts; letters it cannot move (undecodable, or addressed to another queue) are left in place and listed, and the exit code is 1")
      .addOption(max())
      .addOption(wait())
      .addHelpText("after", "\nExample:\n  $ hopper dead-letters retry mailers --max 100")
      .action(
        action(async (context, options, queue: string) =>
          withDeadLetters(
            context,
            queue,
            async (deadLetters) => {
              let retried = 0;
              const left: { id: string; job: string | null; reason: string }[] = [];
              const report = (stopped: boolean) =>
                context.print(describeRetry(queue, retried, left, stopped), { queue, retried, left });
              await eachBounded(context, deadLetters.retryEach({ max: options.max as number, waitMs: options.wait as number }), `moving ${queue}'s dead letters back`, (outcome) => {
                if (outcome.moved) retried += 1;
                else left.push({ id: outcome.letter.id, job: outcome.letter.job, reason: outcome.reason });
              }).catch((error: unknown) => {
                report(true);
                throw error;
              });
              report(false);
              // Letters no retry can move need a person: list them, then discard or fix them.
              return left.length === 0 ? ExitCode.ok : ExitCode.failure;
            },
            { stepsBounded: true },
          ),
        ),
      );

    group
      .command("discard <queue>")
      .description("delete up to --max dead letters of <queue> for good (needs --yes)")
      .addOption(max())
      .addOption(wait())
      .option("--yes", "confirm: the dead letters are deleted and cannot be retried")
      .addHelpText("after", "\nExample:\n  $ hopper dead-letters discard mailers --max 50 --yes")
      .action(
        action(async (context, options, queue: string) => {
          if (options.yes !== true) throw usageError(`discard deletes dead letters for good: add --yes to confirm (see them first with hopper dead-letters list ${queue})`);
          const report = (discarded: readonly DeadLetter[], stopped: boolean) =>
            context.print(`${discarded.length} dead letter${discarded.length === 1 ? "" : "s"} discarded from ${queue}${stopped ? " before it stopped" : ""}`, { queue, discarded: discarded.length, ids: discarded.map((letter) => letter.id) });
          return withDeadLetters(
            context,
            queue,
            async (deadLetters) => {
              const discarded: DeadLetter[] = [];
              await drain(
                context,
                options.max as number,
                `discarding ${queue}'s dead letters`,
                async (left) => {
                  const taken = await deadLetters.take({ max: left, waitMs: options.wait as number });
                  discarded.push(...taken);
                  return taken.length;
                },
                () => report(discarded, true),
              );
              report(discarded, false);
              return ExitCode.ok;
            },
            { stepsBounded: true },
          );
        }),
      );
  },
};

/** `stepsBounded`: `use` bounds each of its own steps by --timeout (a drain), so the whole is not bounded once more. */
async function withDeadLetters(context: CommandContext, queue: string, use: (deadLetters: DeadLetters) => Promise<ExitCode>, { stepsBounded = false } = {}): Promise<ExitCode> {
  try {
    validateQueueName(queue, "queue");
  } catch (error) {
    throw usageError((error as Error).message, error);
  }
  if (isProcessLocalUrl(context.url())) context.logger.warn("memory:// queues live inside one process: this command sees its own, empty dead letters");
  const hopper = context.openHopper();
  try {
    await context.withTimeout(hopper.backend, "opening the backend");
    const using = use(hopper.deadLetters(queue));
    return await (stepsBounded ? using : context.withTimeout(using, `reading ${queue}'s dead letters`));
  } finally {
    await context.withTimeout(hopper.close(), "closing the connection").catch(() => {});
  }
}

/** Letters moved or deleted per step: each step is bounded by --timeout on its own. */
const drainStep = 50;

/**
 * Repeats `step` (which handles up to `left` and says how many it did) until `max` are done or a step does none. Each
 * step is bounded by --timeout, so a long drain that keeps answering runs to its end. One that stops answering ends
 * the command, but only once the step in hand settled (or a second --timeout passed): closing the connection in the
 * middle of a letter's send and ack would leave it both in the queue and in its dead letters. `stopped` reports what
 * was done before.
 */
async function drain(context: CommandContext, max: number, what: string, step: (left: number) => Promise<number>, stopped: (done: number) => void): Promise<number> {
  let done = 0;
  while (done < max) {
    const running = step(Math.min(drainStep, max - done));
    let count: number;
    try {
      count = await context.withTimeout(running, what);
    } catch (error) {
      await context.withTimeout(running, `${what} (letting the step in hand finish)`).then(
        (finished) => void (done += finished),
        () => {},
      );
      stopped(done);
      throw error;
    }
    if (count === 0) break;
    done += count;
  }
  return done;
}

/**
 * Runs `items` to its end, each step (one `next()`) bounded by --timeout. A step that does not answer ends the
 * command, but only once it settled (or a second --timeout passed), for the reason `drain` gives; the iteration is
 * then ended, so what it holds is handed back.
 */
async function eachBounded<T>(context: CommandContext, items: AsyncGenerator<T, void, undefined>, what: string, use: (item: T) => void): Promise<void> {
  try {
    for (;;) {
      const step = items.next();
      let result: IteratorResult<T, void>;
      try {
        result = await context.withTimeout(step, what);
      } catch (error) {
        await context.withTimeout(step, `${what} (letting the step in hand finish)`).then(
          (finished) => void (finished.done || use(finished.value)),
          () => {},
        );
        throw error;
      }
      if (result.done) return;
      use(result.value);
    }
  } finally {
    await context.withTimeout(items.return(undefined), `${what} (handing back the letters left in place)`).catch(() => {});
  }
}

function describeRetry(queue: string, retried: number, left: readonly { id: string; job: string | null; reason: string }[], stopped: boolean): string {
  const moved = `${retried} dead letter${retried === 1 ? "" : "s"} moved back to ${queue}${stopped ? " before it stopped" : ""}`;
  if (left.length === 0) return moved;
  const table = formatTable(["ID", "JOB", "LEFT IN PLACE BECAUSE"], left.map((letter) => [letter.id, letter.job ?? "(undecodable)", truncate(letter.reason, 80)]));
  return `${moved}; ${left.length} left in place (see them with hopper dead-letters list ${queue}; discard or fix them):\n${table}`;
}

function describeLetters(queue: string, letters: readonly DeadLetter[]): string {
  if (letters.length === 0) return `no dead letters in ${queue}`;
  return formatTable(
    ["ID", "JOB", "ATTEMPT", "FAILED AT", "REASON", "ERROR"],
    letters.map((letter) => [letter.id, letter.job ?? "(undecodable)", letter.attempt ?? "-", letter.failedAt, truncate(letter.reason, 40), truncate(`${letter.error.name}: ${letter.error.message}`, 60)]),
  );
}
