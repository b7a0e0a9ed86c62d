import { expect } from "vitest";
import { Job, UnsupportedCapabilityError } from "@hopper/core";
import { defineScenario, type CapabilityName, type Scenario } from "../scenario.js";
import { testHopper } from "../harness.js";
import type { EnqueueOptions } from "@hopper/core";

type RefusedCapability = "priority" | "ordering" | "deduplication" | "transactionalEnqueue" | "delayedDelivery";

/** A job asking for `options` must be refused at enqueue, naming `capability`, whenever `absent` are all declared absent. */
function refusal(name: string, capability: RefusedCapability, options: EnqueueOptions, absent: CapabilityName[] = [capability as CapabilityName]): Scenario {
  return defineScenario({
    name,
    requiresAbsent: absent,
    async run({ backend, queue }) {
      const queueName = queue("refuse");
      class Refused extends Job<{ n: number }> {
        static override queue = queueName;
        async perform() {}
      }
      testHopper(backend, [Refused]);
      const error = await Refused.set(options).performLater({ n: 1 }).catch((caught: unknown) => caught);
      expect(UnsupportedCapabilityError.isInstance(error)).toBe(true);
      expect((error as UnsupportedCapabilityError).capability).toBe(capability);
      expect((error as Error).message).toContain(backend.name);
    },
  });
}

export const refusesPriority = refusal("refuses a priority when the backend declares none", "priority", { priority: 5 });
export const refusesOrdering = refusal("refuses an ordering key when the backend declares no ordering", "ordering", { orderingKey: "account-1" });
export const refusesTransaction = refusal("refuses a caller's transaction when the backend cannot enqueue inside one", "transactionalEnqueue", { transaction: {} });
export const refusesDeduplication = refusal("refuses a dedupe key when the backend declares no deduplication", "deduplication", { dedupeKey: "report-1" });
// Without native delays the core holds early jobs back by nack, so only both absent means refusal.
export const refusesDelay = refusal("refuses a delay when the backend can neither delay nor hold back", "delayedDelivery", { wait: "5m" }, ["delayedDelivery", "nackDelay"]);
