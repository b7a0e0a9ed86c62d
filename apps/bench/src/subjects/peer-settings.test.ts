import { describe, expect, it } from "vitest";
import { pgBossVariants } from "./peer-settings.js";

describe("pg-boss settings", () => {
  // pg-boss sends no NOTIFY for a job whose startAfter is ahead: the poll delivers it. With
  // NOTIFY on, that poll is notifyPollingIntervalSeconds (30 s by default), past the delayed scenario's bound.
  it.each(Object.keys(pgBossVariants))("%s polls for due delayed jobs at its polling floor, NOTIFY or not", (name) => {
    for (const concurrency of [1, 50]) {
      const settings = pgBossVariants[name]!(concurrency);
      expect(settings.notifyPollingIntervalSeconds).toBe(settings.pollingIntervalSeconds);
    }
  });
});
