import type { Backend, BackendCapabilities } from "@hopper/core/backend";

export type CapabilityName = keyof Pick<
  BackendCapabilities,
  "delayedDelivery" | "nackDelay" | "priority" | "ordering" | "deduplication" | "leaseExtension" | "reportsLostLease" | "deliveryAttempts" | "uncountedNack" | "nackBody" | "transactionalEnqueue" | "takeScheduled"
>;

/** Limits a backend declares for holding messages back: its longest nack delay and how long it keeps a message. */
export interface DeclaredHoldLimits {
  readonly maxNackDelayMs: number;
  readonly messageRetentionMs: number;
}

export interface ScenarioContext {
  /** A fresh backend for this test; the suite closes it afterwards. */
  readonly backend: Backend;
  /**
   * Another fresh backend on the same server (a second process, in effect). With `limits`, it declares
   * these shrunken hold limits instead of the platform's, so scenarios can cross limits no emulator enforces.
   */
  createBackend(limits?: DeclaredHoldLimits): Promise<Backend>;
  /** A queue name no other test uses. */
  queue(label?: string): string;
  /**
   * The share of their full job counts that scenarios draining many jobs use (1, or less for a test
   * server too slow for them: `ConformanceOptions.drainScale`); a scenario still needs enough jobs to judge.
   */
  readonly drainScale: number;
}

export interface Scenario {
  readonly name: string;
  /** Runs only when every capability here is declared. */
  readonly requires?: readonly CapabilityName[];
  /** Runs only when every capability here is declared absent: negative tests that the core refuses them. */
  readonly requiresAbsent?: readonly CapabilityName[];
  readonly timeoutMs?: number;
  run(context: ScenarioContext): Promise<void>;
}

export function defineScenario(scenario: Scenario): Scenario {
  return scenario;
}

/** Why a scenario does not apply to these capabilities, or undefined when it does. */
export function skipReason(scenario: Scenario, capabilities: BackendCapabilities): string | undefined {
  const missing = (scenario.requires ?? []).filter((name) => !capabilities[name]);
  if (missing.length > 0) return `declares no ${missing.join(", ")}`;
  const present = (scenario.requiresAbsent ?? []).filter((name) => capabilities[name]);
  if (present.length > 0) return `declares ${present.join(", ")}`;
  return undefined;
}
