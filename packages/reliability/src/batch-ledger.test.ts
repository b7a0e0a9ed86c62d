import { describe, expect, it } from "vitest";
import { callbackFault, parseLedgers } from "./batch-ledger.js";

const callback = "c0ffee00-0000-5000-8000-000000000001";
/** The callback's ledger across processes: each process's lines joined. */
const ledgerOf = (processes: Record<string, string[]>) => parseLedgers(new Map(Object.entries(processes).map(([name, lines]) => [name, lines.join("\n")]))).jobs.get(callback)!;
/** A run that started at `at` and returned. */
const ran = (at = 900) => [`s ${callback} batch-on-complete 1 ${at}`, `d ${callback} batch-on-complete`];
const acked = `a ${callback} 1000`;

describe("a batch callback succeeds exactly once: one run's success is recorded, repeats are counted, not faults", () => {
  it("one run, returned and acked", () => {
    expect(callbackFault(ledgerOf({ w0: [...ran(), acked] }))).toBeUndefined();
  });
  it("a run killed before it returned, then a run that returned and was acked", () => {
    const ledger = ledgerOf({ w0: [`s ${callback} batch-on-complete 1 800`], w1: [...ran(), acked] });
    expect(callbackFault(ledger)).toBeUndefined();
    expect(ledger.starts).toBe(2);
  });
  it("a run killed after its bookkeeping marked it succeeded and before its ack, its copy then acked unrun (dropped as already succeeded)", () => {
    const ledger = ledgerOf({ w0: ran(), w1: [acked] });
    expect(callbackFault(ledger)).toBeUndefined();
    expect(ledger).toMatchObject({ starts: 1, successes: 1, droppedCopies: 1 });
    // The same, the copy's process read first.
    expect(ledgerOf({ w1: [acked], w0: ran() })).toMatchObject({ starts: 1, successes: 1, droppedCopies: 1 });
  });
  it("a run whose ack never resolved before the run ended (its process stopped, or the ack was refused)", () => {
    expect(callbackFault(ledgerOf({ w0: [...ran(), `af ${callback} 1000`] }))).toBeUndefined();
  });
  it("faults a callback whose runs never returned: its succeeded status has no run behind it", () => {
    expect(callbackFault(ledgerOf({ w0: [`s ${callback} batch-on-complete 1 800`], w1: [acked] }))).toMatch(/no run returned/);
  });
  it("faults two runs that both returned and were both acked: two successes", () => {
    expect(callbackFault(ledgerOf({ w0: [...ran(), acked], w1: [...ran(), acked] }))).toMatch(/2 runs returned and were acked/);
  });
  it("two runs returned and were acked, the worker having refused one's end (its run claim fenced): one success, not a fault", () => {
    const ledger = ledgerOf({ w0: [...ran(), `r ${callback} 1100`, acked], w1: [...ran(950), acked] });
    expect(callbackFault(ledger)).toBeUndefined();
    expect(ledger).toMatchObject({ starts: 2, successes: 2, succeededToAck: 1, refusedEnds: 1 });
  });
  it("a second run that started before the first run's ack resolved (a copy running beside it) is a repeat, not a fault", () => {
    const ledger = ledgerOf({ w0: [...ran(), acked], w1: ran(950) });
    expect(callbackFault(ledger)).toBeUndefined();
    expect(ledger.starts).toBe(2);
  });
});

describe("jobs added from inside runs", () => {
  it("an adder run twice (killed, then run again) adds the same id: one member", () => {
    const added = "0dd00000-0000-5000-8000-000000000002";
    const adder = "ad000000-0000-4000-8000-000000000003";
    const { added: ids } = parseLedgers(new Map([["w0", `+ ${adder} ${added}`], ["w1", `+ ${adder} ${added}\nd ${adder} batch-child`]]));
    expect(ids).toEqual([added]);
  });
});
