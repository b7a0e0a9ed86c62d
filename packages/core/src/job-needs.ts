import type { BackendCapabilities } from "./backend/backend.js";
import { ConfigurationError } from "./errors/configuration-error.js";
import type { JobDefinition } from "./job-registry.js";

/** What a job can declare it needs (`static requires`), beyond what its static options imply. */
export const jobNeeds = ["priority", "ordering", "deduplication", "delayedDelivery", "transactionalEnqueue", "coordination"] as const;
export type JobNeed = (typeof jobNeeds)[number];

// Where each need is met, for the refusal's "use … instead". Documentation, not a branch:
// the check itself reads only the capabilities the backend declares.
const whereMet: Record<JobNeed, string> = {
  priority: "redis://, postgres://, pglite:// or memory://",
  ordering: "redis://, postgres://, pglite://, an SQS FIFO queue, or Pub/Sub with messageOrdering",
  deduplication: "redis://, postgres://, pglite:// or an SQS FIFO queue",
  delayedDelivery: "any backend but an SQS FIFO queue without nack delays",
  transactionalEnqueue: "postgres:// or pglite://",
  coordination: "redis://, postgres://, pglite://, or createHopper({ coordination: createRedisCoordinationStore(…) }) on any backend",
};

export function validateJobNeeds(value: unknown, field: string): readonly JobNeed[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new ConfigurationError({ field, message: `must be an array of needs, e.g. ["ordering"] (known: ${jobNeeds.join(", ")})` });
  for (const need of value) {
    if (!(jobNeeds as readonly unknown[]).includes(need)) throw new ConfigurationError({ field, message: `${JSON.stringify(need)} is not a need Hopper knows: use ${jobNeeds.join(", ")}` });
  }
  return value as JobNeed[];
}

/** A need that comes from a queue's own setting (`createHopper({ rateLimits: { queues } })`) rather than a job. */
export interface QueueNeed {
  readonly need: JobNeed;
  readonly queue: string;
  readonly field: string;
}

/** A job's needs with where each comes from: its static options, then `static requires`. */
function needsOf(definition: JobDefinition): { need: JobNeed; field: string }[] {
  const needs: { need: JobNeed; field: string }[] = [];
  if (definition.priority !== 0) needs.push({ need: "priority", field: `${definition.name}.priority` });
  if (definition.unique) needs.push({ need: "coordination", field: `${definition.name}.unique` });
  if (definition.concurrency) needs.push({ need: "coordination", field: `${definition.name}.concurrency` });
  if (definition.rateLimit) needs.push({ need: "coordination", field: `${definition.name}.rateLimit` });
  for (const need of definition.requires) needs.push({ need, field: `${definition.name}.requires` });
  return needs;
}

function met(need: JobNeed, capabilities: BackendCapabilities, sharedCoordination: boolean): boolean {
  switch (need) {
    case "priority":
      return capabilities.priority;
    case "ordering":
      return capabilities.ordering;
    case "deduplication":
      return capabilities.deduplication;
    // The core holds early jobs back by nack where there is no native delay.
    case "delayedDelivery":
      return capabilities.delayedDelivery !== false || capabilities.nackDelay !== false;
    case "transactionalEnqueue":
      return capabilities.transactionalEnqueue === true;
    case "coordination":
      return sharedCoordination;
  }
}

/**
 * Refuses, when the backend opens (so a worker fails at boot, not at the first job),
 * every job whose needs this backend cannot meet: one ConfigurationError naming each
 * job, the need, the setting it comes from, and where the need is met.
 */
export function refuseUnmetNeeds(definitions: readonly JobDefinition[], backend: NeedsBackend, sharedCoordination: boolean, queueNeeds: readonly QueueNeed[] = []): void {
  const needs = [
    ...definitions.flatMap((definition) => needsOf(definition).map((entry) => ({ ...entry, job: definition.name, queue: definition.queue }))),
    ...queueNeeds.map((entry) => ({ ...entry, job: `queue ${JSON.stringify(entry.queue)}` })),
  ];
  // A routed backend: each job is checked against the backend its queue lives on.
  const servingOf = (queue: string) => {
    const serving = backend.backendForQueue?.(queue) ?? backend;
    return serving === backend ? serving : { name: `${serving.name} (queue ${JSON.stringify(queue)})`, capabilities: serving.capabilities };
  };
  const unmet = needs.map((entry) => ({ ...entry, serving: servingOf(entry.queue) })).filter(({ need, serving }) => !met(need, serving.capabilities, sharedCoordination));
  if (unmet.length === 0) return;
  const names = [...new Set(unmet.map(({ serving }) => serving.name))];
  throw new ConfigurationError({
    field: unmet[0]!.field,
    message: `the ${names.join(" and the ")} backend${names.length > 1 ? "s" : ""} cannot serve ${unmet.length === 1 ? "this" : "these"}: ${unmet
      .map(({ job, need, field, serving }) => `${job} needs ${need} (from ${field})${names.length > 1 ? ` on the ${serving.name} backend` : ""}, found on ${whereMet[need]}`)
      .join("; ")}. Switch the URL to a backend that has it (or route the queue to one: createHopper({ routes })), or change the job or setting`,
  });
}

interface NeedsBackend {
  readonly name: string;
  readonly capabilities: BackendCapabilities;
  backendForQueue?(queue: string): { readonly name: string; readonly capabilities: BackendCapabilities };
}
