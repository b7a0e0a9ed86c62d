import { expect } from "vitest";
import { ConfigurationError, createConsoleLogger, createHopper, createMemoryCoordinationStore, Job, type JobNeed } from "@hopper/core";
import type { BackendCapabilities } from "@hopper/core/backend";
import { defineScenario } from "../scenario.js";
import { testHopper } from "../harness.js";

// Which needs this backend meets, read from what it declares (never from its name).
function meets(need: Exclude<JobNeed, "coordination">, capabilities: BackendCapabilities): boolean {
  if (need === "delayedDelivery") return capabilities.delayedDelivery !== false || capabilities.nackDelay !== false;
  if (need === "transactionalEnqueue") return capabilities.transactionalEnqueue === true;
  return capabilities[need];
}

export const refusesUnmetNeedsAtStart = defineScenario({
  name: "a Hopper whose jobs need what the backend lacks refuses to open it (worker boot included), naming the job and the need; one whose needs are met opens",
  async run({ backend, queue }) {
    const queueName = queue("needs");
    for (const need of ["priority", "ordering", "deduplication", "delayedDelivery", "transactionalEnqueue"] as const) {
      class Needy extends Job<{ n: number }> {
        static override jobName = `Needs_${need}`;
        static override queue = queueName;
        static override requires = [need];
        async perform() {}
      }
      const hopper = testHopper(backend, [Needy]);
      if (meets(need, backend.capabilities)) {
        await expect(hopper.backend, need).resolves.toBe(backend);
      } else {
        const error = await hopper.backend.catch((caught: unknown) => caught);
        expect(ConfigurationError.isInstance(error), `${need}: ${String(error)}`).toBe(true);
        expect((error as ConfigurationError).field).toBe(`Needs_${need}.requires`);
        expect((error as Error).message).toContain(`Needs_${need} needs ${need}`);
        expect((error as Error).message).toContain(`the ${backend.name} backend cannot serve`);
        // A worker fails at boot instead of waiting for a backend that will never do.
        await expect(hopper.worker({ queues: [queueName], handleSignals: false }).run()).rejects.toThrow(`Needs_${need} needs ${need}`);
      }
      await hopper.close();
    }

    // A static priority implies the need.
    class Urgent extends Job<{ n: number }> {
      static override queue = queueName;
      static override priority = 10;
      async perform() {}
    }
    const urgent = testHopper(backend, [Urgent]).backend;
    if (backend.capabilities.priority) await expect(urgent).resolves.toBe(backend);
    else await expect(urgent).rejects.toThrow("Urgent needs priority (from Urgent.priority)");

    // Unique jobs need a store every process shares: the backend's own process (memory, PGlite), or one given.
    class OncePerKey extends Job<{ key: string }> {
      static override queue = queueName;
      static override unique = { key: (args: { key: string }) => args.key };
      async perform() {}
    }
    const alone = testHopper(backend, [OncePerKey]);
    if (backend.capabilities.processLocal) await expect(alone.backend).resolves.toBe(backend);
    else await expect(alone.backend).rejects.toThrow("OncePerKey needs coordination (from OncePerKey.unique)");
    await alone.close();
    const withStore = createHopper({ backend, jobs: [OncePerKey], coordination: createMemoryCoordinationStore(), logger: createConsoleLogger("silent") });
    await expect(withStore.backend).resolves.toBe(backend);
    await withStore.close();

    // Rate limits and pauses are shared facts too: without a shared store they would silently not hold.
    class Throttled extends Job<{ n: number }> {
      static override queue = queueName;
      static override rateLimit = { limit: 5, per: "1s" };
      async perform() {}
    }
    class Plain extends Job<{ n: number }> {
      static override queue = queueName;
      async perform() {}
    }
    class Pausable extends Job<{ n: number }> {
      static override queue = queueName;
      async perform() {}
    }
    const silent = createConsoleLogger("silent");
    const throttled = testHopper(backend, [Throttled]);
    const overridden = createHopper({ backend, jobs: [Plain], logger: silent, rateLimits: { queues: { [queueName]: { limit: 5, per: "1s" } } } });
    const pausing = testHopper(backend, [Pausable]);
    if (backend.capabilities.processLocal) {
      await expect(throttled.backend).resolves.toBe(backend);
      await expect(overridden.backend).resolves.toBe(backend);
      await pausing.queues.pause(queueName);
      await pausing.queues.resume(queueName);
    } else {
      await expect(throttled.backend).rejects.toThrow("Throttled needs coordination (from Throttled.rateLimit)");
      const refusal = await overridden.backend.catch((caught: unknown) => caught);
      expect(ConfigurationError.isInstance(refusal) && refusal.field, String(refusal)).toBe(`rateLimits.queues.${queueName}`);
      expect(String((refusal as Error).message)).toContain("createHopper({ coordination");
      await expect(Plain.performLater({ n: 1 })).rejects.toThrow(`rateLimits.queues.${queueName}`);
      await expect(overridden.worker({ queues: [queueName], handleSignals: false }).run()).rejects.toThrow(`rateLimits.queues.${queueName}`);
      const pauseRefusal = await pausing.queues.pause(queueName).catch((caught: unknown) => caught);
      expect(ConfigurationError.isInstance(pauseRefusal) && pauseRefusal.field, String(pauseRefusal)).toBe("coordination");
      expect(String((pauseRefusal as Error).message)).toContain("queue pauses");
    }
    await Promise.all([throttled.close(), overridden.close(), pausing.close()]);
  },
});
