import { describe, expect, it } from "vitest";
import type { LedgerEvent } from "./ledger-watch.js";
import { analyzeRuns } from "./run-analysis.js";

const line = (file: string, event: LedgerEvent["event"], jobId: string, at: number): LedgerEvent => ({ event, jobId, n: 1, kind: "plain", attempt: 1, at, file });

/** Job "j" completed by the process `old` (with `ackLines` after it), SIGTERMed at `sigtermAt`, then again by `new` after old stopped. */
function completedAgain(ackLines: LedgerEvent[], sigtermAt = 1.5): number {
  const events = [line("old", "s", "j", 1), line("old", "e", "j", 2), ...ackLines, line("old", "stopped", "", 5), line("new", "s", "j", 10), line("new", "e", "j", 11)];
  return analyzeRuns({
    events,
    owed: new Map([["j", "plain"]]),
    deadLetters: [],
    exitedAt: new Map([["old", 6]]),
    gracefullyStopped: new Map([["old", sigtermAt]]),
    outages: [],
  }).completedAgainAfterGracefulStop;
}

describe("completed again after a graceful stop: a completion while stopping, judged by its ack's outcome, not by the time", () => {
  it("counts a job run again after its ack resolved", () => {
    expect(completedAgain([line("old", "a", "j", 3)])).toBe(1);
  });
  it("counts a job whose process stopped with its ack unsettled", () => {
    expect(completedAgain([])).toBe(1);
  });
  it("does not count a job whose ack rejected (the server was down): its redelivery is the crash's doing", () => {
    expect(completedAgain([line("old", "af", "j", 3)])).toBe(0);
  });
  it("does not count a job completed and acked before the SIGTERM: a second run then is an ordinary duplicate", () => {
    expect(completedAgain([line("old", "a", "j", 3)], 4)).toBe(0);
  });
});

describe("started again after an ack had resolved", () => {
  const analyze = (events: LedgerEvent[]) =>
    analyzeRuns({ events, owed: new Map([["j", "plain"]]), deadLetters: [], exitedAt: new Map(), gracefullyStopped: new Map(), outages: [] }).startedAgainAfterAck;
  it("counts a run that starts after an earlier completion's ack resolved", () => {
    expect(analyze([line("p", "s", "j", 1), line("p", "e", "j", 2), line("p", "a", "j", 3), line("q", "s", "j", 4), line("q", "e", "j", 5)])).toBe(1);
  });
  it("does not count a second run whose first copy was never acked (a killed process, a lapsed lease)", () => {
    expect(analyze([line("p", "s", "j", 1), line("p", "e", "j", 2), line("q", "s", "j", 4), line("q", "e", "j", 5)])).toBe(0);
  });
  it("does not count a run that started before the ack resolved (two copies at once)", () => {
    expect(analyze([line("p", "s", "j", 1), line("q", "s", "j", 2), line("p", "e", "j", 3), line("p", "a", "j", 4), line("q", "e", "j", 5)])).toBe(0);
  });
});

describe("runs of one job at once: a real double run fails, a run given up as overdue on waking is reported apart", () => {
  const analyze = (events: LedgerEvent[]) =>
    analyzeRuns({ events, owed: new Map([["j", "plain"]]), deadLetters: [], exitedAt: new Map(), gracefullyStopped: new Map(), outages: [] });
  it("counts two runs both done while the other ran (two live holders)", () => {
    const analysis = analyze([line("p", "s", "j", 1), line("q", "s", "j", 2), line("p", "e", "j", 3), line("q", "e", "j", 4)]);
    expect(analysis).toMatchObject({ mostConcurrentRuns: 2, overdueAborts: 0, overdueAbortsOverlapping: 0 });
    expect(analysis.overlapSample).toEqual(["j (plain): p 1–3 e, q 2–4 e"]);
    expect(analysis.sampledJobIds).toEqual(["j"]);
  });
  it("counts a run aborted by a renewal that said the lease was lost (`x`) as overlapping: it ran until then", () => {
    expect(analyze([line("p", "s", "j", 1), line("q", "s", "j", 2), line("p", "x", "j", 3), line("q", "e", "j", 4)]).mostConcurrentRuns).toBe(2);
  });
  it("leaves out, but counts and samples, a run that stalled past its lease, was claimed elsewhere and was given up on waking (`o`)", () => {
    const analysis = analyze([line("p", "s", "j", 1), line("q", "s", "j", 7), line("p", "o", "j", 9), line("q", "e", "j", 10)]);
    expect(analysis).toMatchObject({ mostConcurrentRuns: 1, overdueAborts: 1, overdueAbortsOverlapping: 1, overlapSample: [] });
    expect(analysis.overdueSample).toEqual(["j (plain): p 1–9 o, q 7–10 e"]);
    expect(analysis.sampledJobIds).toEqual(["j"]);
  });
  it("still fails a real double run beside an overdue abort of the same job", () => {
    const analysis = analyze([line("p", "s", "j", 1), line("q", "s", "j", 7), line("r", "s", "j", 8), line("p", "o", "j", 9), line("q", "e", "j", 10), line("r", "e", "j", 11)]);
    expect(analysis).toMatchObject({ mostConcurrentRuns: 2, overdueAborts: 1, overdueAbortsOverlapping: 1 });
  });
  it("samples a job once however many of its runs were given up as overdue", () => {
    const analysis = analyze([line("p", "s", "j", 1), line("q", "s", "j", 7), line("p", "o", "j", 9), line("r", "s", "j", 14), line("q", "o", "j", 16), line("r", "e", "j", 17)]);
    expect(analysis).toMatchObject({ mostConcurrentRuns: 1, overdueAborts: 2, overdueAbortsOverlapping: 2, overdueSample: ["j (plain): p 1–9 o, q 7–16 o, r 14–17 e"] });
  });
  it("counts an overdue abort nobody else overlapped (no other worker claimed the job during the stall) without sampling it", () => {
    const analysis = analyze([line("p", "s", "j", 1), line("p", "o", "j", 9), line("q", "s", "j", 10), line("q", "e", "j", 11)]);
    expect(analysis).toMatchObject({ mostConcurrentRuns: 1, overdueAborts: 1, overdueAbortsOverlapping: 0, overdueSample: [] });
  });
});

describe("runs of one exclusive key at once", () => {
  const limited = (file: string, event: LedgerEvent["event"], jobId: string, at: number): LedgerEvent => ({ ...line(file, event, jobId, at), kind: "limited" });
  const analyze = (events: LedgerEvent[]) =>
    analyzeRuns({ events, owed: new Map([["a", "limited"], ["b", "limited"], ["c", "limited"]]), deadLetters: [], exitedAt: new Map(), gracefullyStopped: new Map(), outages: [] }).mostConcurrentPerExclusiveKey;
  it("counts two jobs of one key both done at once", () => {
    expect(analyze([limited("p", "s", "a", 1), limited("q", "s", "b", 2), limited("p", "e", "a", 3), limited("q", "e", "b", 4)])).toBe(2);
  });
  it("leaves out a holder given up as overdue when it woke", () => {
    expect(analyze([limited("p", "s", "a", 1), limited("q", "s", "b", 7), limited("p", "o", "a", 9), limited("q", "e", "b", 10)])).toBe(1);
  });
  it("counts two copies of one limited job at once: the limit bounds performs of the key, copies included", () => {
    expect(analyze([limited("p", "s", "a", 1), limited("q", "s", "a", 2), limited("p", "e", "a", 3), limited("q", "e", "a", 4)])).toBe(2);
  });
  const unique = (file: string, event: LedgerEvent["event"], jobId: string, n: number, at: number): LedgerEvent => ({ ...line(file, event, jobId, at), kind: "unique", n });
  const analyzeUnique = (events: LedgerEvent[]) =>
    analyzeRuns({ events, owed: new Map([["a", "unique"], ["b", "unique"]]), deadLetters: [], exitedAt: new Map(), gracefullyStopped: new Map(), outages: [] });
  it("counts a unique key's jobs, not the copies of one (uniqueness is about enqueuing; copies are runs of one job)", () => {
    const copies = analyzeUnique([unique("p", "s", "a", 7, 1), unique("q", "s", "a", 7, 2), unique("p", "e", "a", 7, 3), unique("q", "e", "a", 7, 4)]);
    expect(copies).toMatchObject({ mostConcurrentPerExclusiveKey: 1, mostConcurrentRuns: 2, exclusiveOverlapSample: [] });
    const twoJobs = analyzeUnique([unique("p", "s", "a", 7, 1), unique("q", "s", "b", 7, 2), unique("p", "e", "a", 7, 3), unique("q", "e", "b", 7, 4)]);
    expect(twoJobs).toMatchObject({ mostConcurrentPerExclusiveKey: 2, exclusiveOverlapSample: ["u-7 (unique): a p 1–3 e, b q 2–4 e"] });
  });
  it("counts an overlap beside a run whose end was written before its start (a clock stepped back)", () => {
    expect(analyze([limited("r", "s", "c", 20), limited("r", "e", "c", 4), limited("p", "s", "a", 10), limited("q", "s", "b", 11), limited("p", "e", "a", 12), limited("q", "e", "b", 13)])).toBe(2);
  });
});

describe("a run its process died with counts until that process was last seen", () => {
  const analyze = (events: LedgerEvent[], exitedAt: Map<string, number>) =>
    analyzeRuns({ events, owed: new Map([["j", "plain"]]), deadLetters: [], exitedAt, gracefullyStopped: new Map(), outages: [] }).mostConcurrentRuns;
  it("counts a run whose process wrote after another run began, then died with it open", () => {
    expect(analyze([line("p", "s", "j", 1), line("q", "s", "j", 5), line("p", "a", "k", 6), line("q", "e", "j", 8)], new Map([["p", 7]]))).toBe(2);
  });
  it("does not count a run whose process wrote nothing after another run began and was SIGKILLed (stalled until killed)", () => {
    expect(analyze([line("p", "s", "j", 1), line("p", "a", "k", 2), line("q", "s", "j", 5), line("q", "e", "j", 8)], new Map([["p", 7]]))).toBe(1);
  });
});
