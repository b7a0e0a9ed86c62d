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
