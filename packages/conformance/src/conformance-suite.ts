import { describe, it } from "vitest";
import type { Backend } from "@hopper/core/backend";
import { scenarios } from "./scenarios/index.js";
import { skipReason, type DeclaredHoldLimits, type Scenario, type ScenarioContext } from "./scenario.js";
import { uniqueQueueName } from "./harness.js";

export interface ConformanceOptions {
  /** Shown in test names. */
  readonly name: string;
  /**
   * A fresh, connected backend; called once or more per test, each closed by the suite. With `limits`,
   * the backend must declare them (`nackDelay.maxDelayMs`, `messageRetentionMs`) in place of its own.
   */
  createBackend(limits?: DeclaredHoldLimits): Promise<Backend>;
  /** Extra per-backend scenarios; each runs like the shared ones. */
  readonly extraScenarios?: readonly Scenario[];
  /**
   * Scenarios a test server (an emulator) gets wrong although the real service
   * does not: scenario name → the reason, shown in the skipped test's name.
   * List each in the package README; never use it for the backend's own gaps.
   */
  readonly knownServerGaps?: Readonly<Record<string, string>>;
  /**
   * For a test server too slow to drain the largest counts (an emulator) in a test's time: the share of
   * them to use, with the reason, shown in the suite's name. Default 1.
   */
  readonly drainScale?: { readonly share: number; readonly reason: string };
}

/**
 * Registers the shared scenarios as vitest tests. Each scenario runs only when
 * the backend declares the capabilities it needs; negative scenarios run when
 * a capability is declared absent and check that the core refuses it.
 */
export function runConformanceSuite(options: ConformanceOptions): void {
  const scaled = options.drainScale ? ` (drains ${options.drainScale.share} of the full counts: ${options.drainScale.reason})` : "";
  describe(`conformance: ${options.name}${scaled}`, async () => {
    const probe = await options.createBackend();
    const capabilities = probe.capabilities;
    await probe.close();

    const allScenarios = [...scenarios, ...(options.extraScenarios ?? [])];
    const unknownGaps = Object.keys(options.knownServerGaps ?? {}).filter((name) => !allScenarios.some((scenario) => scenario.name === name));
    if (unknownGaps.length > 0) throw new Error(`knownServerGaps names no scenario: ${unknownGaps.join("; ")}`);
    for (const scenario of allScenarios) {
      const serverGap = options.knownServerGaps?.[scenario.name];
      const reason = skipReason(scenario, capabilities) ?? (serverGap && `test server gap: ${serverGap}`);
      const name = reason ? `${scenario.name} (skipped: ${reason})` : scenario.name;
      // Scenarios use their own queues and mostly wait on leases and delays, so they run side by side.
      const test = reason ? it.skip : it.concurrent;
      test(name, { timeout: scenario.timeoutMs ?? 60_000 }, async ({ onTestFinished }) => {
        const opened: Backend[] = [];
        onTestFinished(async () => {
          await Promise.allSettled(opened.map((backend) => backend.close()));
        });
        const createBackend = async (limits?: DeclaredHoldLimits) => {
          const backend = await options.createBackend(limits);
          opened.push(backend);
          return backend;
        };
        const context: ScenarioContext = { backend: await createBackend(), createBackend, queue: uniqueQueueName, drainScale: options.drainScale?.share ?? 1 };
        await scenario.run(context);
      });
    }
  });
}
