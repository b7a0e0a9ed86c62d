import { describe, expect, it } from "vitest";
import { IterationError } from "../errors/iteration-error.js";
import type { JobDefinition } from "../job-registry.js";
import type { CursorUpgrade } from "./iterable-job.js";
import type { ResolvedIteration } from "./iteration-options.js";
import { upgradeState } from "./iteration-run.js";
import { initialState, stateJson, type IterationState } from "./iteration-state.js";
import { Iteration, type IterationHost } from "./iteration.js";

function definitionAt(version: number, cursorUpgrades: Record<number, CursorUpgrade>): { definition: JobDefinition; iteration: ResolvedIteration } {
  const iteration: ResolvedIteration = { checkpointItems: 1000, checkpointIntervalMs: 5000, cursorUpgrades };
  return { definition: { name: "Walk", version, iteration } as unknown as JobDefinition, iteration };
}

const savedByV1: IterationState = { version: 1, done: ["prepare"], step: "rows", cursor: 41, items: 41, seq: 43 };

function errorOf(run: () => unknown): IterationError {
  try {
    run();
  } catch (error) {
    if (IterationError.isInstance(error)) return error;
    throw error;
  }
  throw new Error("no IterationError was thrown");
}

describe("cursor upgrades across versions", () => {
  it("runs the upgrades from the saved version up, one version at a time; a version without one keeps the cursor", () => {
    const calls: string[] = [];
    const { definition, iteration } = definitionAt(4, {
      // No entry for 1: version 2 read version 1's cursors as they were.
      2: (cursor: number, step) => {
        calls.push(`2:${step}:${cursor}`);
        return { id: cursor };
      },
      3: (cursor: { id: number }, step) => {
        calls.push(`3:${step}:${JSON.stringify(cursor)}`);
        return { ...cursor, table: "rows_v4" };
      },
    });
    expect(upgradeState(savedByV1, definition, iteration)).toEqual({ version: 4, done: ["prepare"], step: "rows", cursor: { id: 41, table: "rows_v4" }, items: 41, seq: 43 });
    expect(calls).toEqual(["2:rows:41", '3:rows:{"id":41}']);
  });

  it("leaves a state of its own version alone, and moves a state with no cursor to its version without calling upgrades", () => {
    const { definition, iteration } = definitionAt(2, {
      1: () => {
        throw new Error("must not run");
      },
    });
    const own: IterationState = { ...savedByV1, version: 2 };
    expect(upgradeState(own, definition, iteration)).toBe(own);
    expect(upgradeState({ version: 1, done: ["prepare", "rows"], items: 9, seq: 11 }, definition, iteration)).toEqual({ version: 2, done: ["prepare", "rows"], items: 9, seq: 11 });
  });

  it("an upgrade that throws is an IterationError naming the upgrade and the iterate, with the cause", () => {
    const cause = new Error("no such column");
    const { definition, iteration } = definitionAt(2, {
      1: () => {
        throw cause;
      },
    });
    const error = errorOf(() => upgradeState(savedByV1, definition, iteration));
    expect(error.field).toBe("cursorUpgrades.1");
    expect(error.message).toBe('Walk cursorUpgrades.1: threw on the cursor of iterate("rows"): no such column');
    expect(error.cause).toBe(cause);
  });

  it("an upgrade that returns a cursor JSON cannot keep is an IterationError naming the iterate and the fix", () => {
    const { definition, iteration } = definitionAt(2, { 1: (cursor: number) => ({ after: BigInt(cursor) }) });
    const error = errorOf(() => upgradeState(savedByV1, definition, iteration));
    expect(error.field).toBe('iterate("rows") cursor');
    expect(error.message).toMatch(/cursor\.after is a bigint \(41\), which does not survive JSON.*a BigInt as a string/);
  });
});

describe("bad input to iterate and step", () => {
  const host: IterationHost = { job: "Walk", checkpoint: async () => {}, yieldReason: () => undefined, abortReason: () => undefined };
  const options: ResolvedIteration = { checkpointItems: 1000, checkpointIntervalMs: 5000, cursorUpgrades: {} };

  it("refuses a name used twice, whether by two iterates or by a step and an iterate", async () => {
    const twice = new Iteration(host, options, initialState(1));
    await twice.iterate("rows", () => [[1, 1]] as const, () => {});
    await expect(twice.iterate("rows", () => [], () => {})).rejects.toThrow('Walk iterate("rows"): this name was already used in this run');
    const shared = new Iteration(host, options, initialState(1));
    await shared.step("rows", () => {});
    const error = await shared.iterate("rows", () => [], () => {}).catch((caught: unknown) => caught);
    expect(IterationError.isInstance(error)).toBe(true);
    expect((error as IterationError).field).toBe('iterate("rows")');
  });

  it("refuses an empty name, a source that yields no [item, cursor] pair and an undefined cursor", async () => {
    await expect(new Iteration(host, options, initialState(1)).step("", () => {})).rejects.toThrow("Walk step(name): needs a non-empty string name");
    await expect(new Iteration(host, options, initialState(1)).iterate("rows", () => [7 as never], () => {})).rejects.toThrow('Walk iterate("rows"): its source yielded 7: yield [item, cursor] pairs');
    await expect(new Iteration(host, options, initialState(1)).iterate("rows", () => [[1, undefined]] as const, () => {})).rejects.toThrow('Walk iterate("rows") cursor: is undefined');
    // Past the first item too (a page token's last page): saved as none, it restarted the source from the beginning.
    const processed: number[] = [];
    const lastPageWithoutToken = () => [[1, "page-2"], [2, undefined]] as const;
    await expect(new Iteration(host, options, initialState(1)).iterate("rows", lastPageWithoutToken as never, (item: number) => void processed.push(item))).rejects.toThrow('Walk iterate("rows") cursor: is undefined');
    expect(processed).toEqual([1]);
  });

  it("refuses a step or iterate started while another is under way (they share one saved position)", async () => {
    const iteration = new Iteration(host, options, initialState(1));
    const slow = async function* () {
      yield [1, 1] as const;
      await new Promise((resolve) => setTimeout(resolve, 20));
      yield [2, 2] as const;
    };
    const both = Promise.all([iteration.iterate("a", slow, () => {}), iteration.iterate("b", slow, () => {})]);
    await expect(both).rejects.toThrow('Walk iterate("b"): started while iterate("a") is under way: await each step and iterate before starting the next');
    // One after another is fine.
    const sequential = new Iteration(host, options, initialState(1));
    await sequential.iterate("a", slow, () => {});
    await sequential.step("b", () => {});
  });

  it("refuses a cursor that is data rather than a position, giving its size and the fix", () => {
    const state: IterationState = { version: 1, done: [], step: "rows", cursor: "x".repeat(100_000), items: 1, seq: 1 };
    const error = errorOf(() => stateJson(state, "Walk"));
    expect(error.field).toBe('iterate("rows") cursor');
    expect(error.message).toMatch(/the saved state is \d+ bytes of JSON, over \d+: make the cursor a position/);
  });
});
