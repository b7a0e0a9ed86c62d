import { describe, expect, it } from "vitest";
import { createHopper } from "../hopper.js";
import { Job } from "../job.js";
import { createConsoleLogger } from "../logger.js";
import { createMemoryBackend } from "../memory/memory-backend.js";
import { JobRegistry } from "../job-registry.js";
import { rateLimitStoreKey } from "../flow-control/rate-limit-options.js";
import { concurrencyStoreKey } from "./concurrency-limit.js";
import { uniqueStoreKey } from "./unique-jobs.js";

// Job names may hold `:`, and keys joined `<kind>:<name>:<key>`: `billing:invoice` keyed `x` and `billing` keyed
// `invoice:x` shared one key, so one job's unique reservation refused the other, and they shared a limit.

class Invoice extends Job<{ id: string }> {
  static override jobName = "billing:invoice";
  static override unique = { key: (args: { id: string }) => args.id };
  static override concurrency = { key: (args: { id: string }) => args.id, limit: 1 };
  static override rateLimit = { limit: 1, per: "1s", key: (args: { id: string }) => args.id };
  async perform() {}
}
class Billing extends Job<{ id: string }> {
  static override jobName = "billing";
  static override unique = { key: (args: { id: string }) => args.id };
  static override concurrency = { key: (args: { id: string }) => args.id, limit: 1 };
  static override rateLimit = { limit: 1, per: "1s", key: (args: { id: string }) => args.id };
  async perform() {}
}

describe("coordination keys of job names holding `:`", () => {
  it("keeps each job's unique, concurrency and rate-limit keys apart from another name's key that reads the same joined", () => {
    const registry = new JobRegistry([Invoice, Billing]);
    const [invoice, billing] = [registry.definitionOf(Invoice), registry.definitionOf(Billing)];
    const [invoiceArgs, billingArgs] = [{ id: "x" }, { id: "invoice:x" }];
    expect(uniqueStoreKey(invoice.name, invoice.unique!, invoiceArgs)).not.toBe(uniqueStoreKey(billing.name, billing.unique!, billingArgs));
    expect(concurrencyStoreKey(invoice.name, invoice.concurrency!, invoiceArgs)).not.toBe(concurrencyStoreKey(billing.name, billing.concurrency!, billingArgs));
    expect(rateLimitStoreKey(invoice.rateLimit!, invoiceArgs)).not.toBe(rateLimitStoreKey(billing.rateLimit!, billingArgs));
    // A name without `:` keeps the key it always had (no rolling-deploy change for it).
    expect(uniqueStoreKey(billing.name, billing.unique!, billingArgs)).toBe("unique:billing:invoice:x");
  });

  it("enqueues both: neither is answered as the other's duplicate", async () => {
    const hopper = createHopper({ backend: createMemoryBackend({ store: `collide-${Date.now()}` }), jobs: [Invoice, Billing], logger: createConsoleLogger("silent") });
    try {
      const first = await Invoice.performLater({ id: "x" });
      const second = await Billing.performLater({ id: "invoice:x" });
      expect(second).not.toBe(first);
      expect(await (await hopper.backend).stats!("default")).toMatchObject({ ready: 2 });
    } finally {
      await hopper.close();
    }
  });
});
