import { describe, expect, it } from "vitest";
import type { LedgerEvent } from "./ledger-watch.js";
import { analyzeRuns } from "./run-analysis.js";

const line = (file: string, event: LedgerEvent["event"], jobId: string, at: number): LedgerEvent => ({ event, jobId, n: 1, kind: "plain", attempt: 1, at, file });

/** Job "j" completed by the SIGTERMed process `old` (with `ackLines` after it), then again by `new` after old stopped. */
function completedAgain(ackLines: LedgerEvent[]): number {
  const events = [line("old", "s", "j", 1), line("old", "e", "j", 2), ...ackLines, line("old", "stopped", "", 5), line("new", "s", "j", 10), line("new", "e", "j", 11)];
  return analyzeRuns({
    events,
    owed: new Map([["j", "plain"]]),
    deadLetters: [],
    exitedAt: new Map([["old", 6]]),
    gracefullyStopped: new Map([["old", 4]]),
    outages: [],
  }).completedAgainAfterGracefulStop;
}

describe("completed again after a graceful stop: judged by the ack's outcome, not by the time", () => {
  it("counts a job run again after its ack resolved", () => {
    expect(completedAgain([line("old", "a", "j", 3)])).toBe(1);
  });
  it("counts a job whose process stopped with its ack unsettled", () => {
    expect(completedAgain([])).toBe(1);
  });
  it("does not count a job whose ack rejected (the server was down): its redelivery is the crash's doing", () => {
    expect(completedAgain([line("old", "af", "j", 3)])).toBe(0);
  });
});
