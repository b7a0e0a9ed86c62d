import { describe, expect, it } from "vitest";
import { createHopper } from "./hopper.js";
import { Job } from "./job.js";
import { createConsoleLogger, redactingLogger, type Logger } from "./logger.js";
import { createMemoryBackend } from "./memory/memory-backend.js";

/** Counts what reaches each level, and how often a line's fields were read. */
function countingLogger(enabled: (level: string) => boolean | undefined): { logger: Logger; lines: Record<string, number>; fieldReads: () => number } {
  const lines: Record<string, number> = { debug: 0, info: 0, warn: 0, error: 0 };
  let reads = 0;
  const line = (level: string) => (_message: string, fields?: Record<string, unknown>) => {
    lines[level]! += 1;
    if (fields) reads += Object.keys(fields).length > 0 ? 1 : 0;
  };
  const logger: Logger = { debug: line("debug"), info: line("info"), warn: line("warn"), error: line("error") };
  const answer = enabled("probe");
  if (answer !== undefined) logger.isLevelEnabled = (level) => enabled(level) ?? true;
  return { logger, lines, fieldReads: () => reads };
}

describe("a logger that says which levels it writes", () => {
  it("gets no per-job debug lines when debug is off, and still gets them from a logger that cannot say", async () => {
    const queue = `levels-${Date.now().toString(36)}`;
    let performed = 0;
    class Noop extends Job<Record<string, never>> {
      static override queue = queue;
      async perform() {
        performed += 1;
      }
    }
    const run = async (logger: Logger) => {
      performed = 0;
      const hopper = createHopper({ backend: createMemoryBackend({ store: `${queue}-${Math.random()}` }), jobs: [Noop], logger });
      const worker = hopper.worker({ pollWait: 20, handleSignals: false });
      try {
        await Noop.performAllLater([{}, {}, {}]);
        const running = worker.run();
        while (performed < 3) await new Promise((resolve) => setTimeout(resolve, 5));
        await worker.stop({ timeout: 1000 });
        await running;
      } finally {
        await hopper.close();
      }
    };
    const quiet = countingLogger((level) => level !== "debug");
    await run(quiet.logger);
    expect(quiet.lines.debug).toBe(0);

    const unsure = countingLogger(() => undefined);
    await run(unsure.logger);
    expect(unsure.lines.debug).toBeGreaterThanOrEqual(3);
  });

  it("the console logger answers by its threshold, and the redacting wrapper passes the answer on and drops lines below it", () => {
    const warnOnly = createConsoleLogger("warn");
    expect(["debug", "info", "warn", "error"].map((level) => warnOnly.isLevelEnabled!(level as "debug"))).toEqual([false, false, true, true]);
    const inner = countingLogger((level) => level === "error");
    const wrapped = redactingLogger(inner.logger);
    wrapped.debug("connecting to redis://user:secret@host");
    wrapped.error("connecting to redis://user:secret@host");
    expect(inner.lines).toEqual({ debug: 0, info: 0, warn: 0, error: 1 });
    expect(wrapped.isLevelEnabled!("debug")).toBe(false);
  });

  it("a console logger spread into a logger of one's own does not pass its levels on", () => {
    const warnings: string[] = [];
    const mine: Logger = { ...createConsoleLogger("silent"), warn: (message) => void warnings.push(message) };
    expect(mine.isLevelEnabled).toBeUndefined();
    redactingLogger(mine).warn("heard");
    expect(warnings).toEqual(["heard"]);
  });
});
