import { describe, expect, it } from "vitest";
import { resolveConcurrency, resolveUnique } from "./job-coordination-options.js";

const key = (args: { account: string }) => args.account;

describe("static concurrency and unique are checked when the job is registered", () => {
  it("a misspelt option is refused, naming it, rather than its default used in silence", () => {
    expect(() => resolveConcurrency({ key, limt: 5 } as never, "Sync.concurrency")).toThrow(/^Sync\.concurrency\.limt: "limt" is not an option of concurrency: use one of key, limit, lease, retryAfter$/);
    expect(() => resolveConcurrency({ key, retryAfer: "5s" } as never, "Sync.concurrency")).toThrow(/^Sync\.concurrency\.retryAfer: /);
    expect(() => resolveUnique({ key, untill: "started" } as never, "Report.unique")).toThrow(/^Report\.unique\.untill: "untill" is not an option of unique: use one of key, until, ttl$/);
    expect(() => resolveUnique({ key, TTL: "5m" } as never, "Report.unique")).toThrow(/^Report\.unique\.TTL: /);
  });

  it("a retryAfter under 100 ms (a job spinning on the store) and a lease a renewal timer cannot keep are refused", () => {
    expect(() => resolveConcurrency({ key, retryAfter: 0 }, "Sync.concurrency")).toThrow(/^Sync\.concurrency\.retryAfter: must be at least 100ms/);
    expect(() => resolveConcurrency({ key, retryAfter: "50ms" }, "Sync.concurrency")).toThrow(/retryAfter: must be at least 100ms/);
    expect(() => resolveConcurrency({ key, lease: "100d" }, "Sync.concurrency")).toThrow(/^Sync\.concurrency\.lease: must be from 100ms .* to 6442450941 ms \(about 74 days\), got "100d"$/);
    expect(resolveConcurrency({ key, lease: "70d", retryAfter: "100ms" }, "Sync.concurrency")).toMatchObject({ leaseMs: 70 * 86_400_000, retryAfterMs: 100 });
  });
});
