import { ConfigurationError } from "../errors/configuration-error.js";
import { validateQueueName } from "../names.js";

/** How a worker given several queues divides its receives and its free slots between them. */
export type QueueOrder = "strict" | "weighted";

/** Largest weight: enough for any ratio worth stating, small enough that the share bookkeeping stays exact. */
export const MAX_QUEUE_WEIGHT = 1000;

/** The worker's queues in the order given, each with its weight (1 each in strict order and for a plain list). */
export interface QueueSelection {
  readonly order: QueueOrder;
  readonly queues: readonly string[];
  readonly weights: ReadonlyMap<string, number>;
}

/**
 * `queues` is a list (strict order with `order: "strict"`, else equal shares)
 * or an object of weights (`{ critical: 6, default: 2, low: 1 }`, weighted).
 */
export function selectQueues(queues: unknown, order: unknown): QueueSelection {
  if (order !== undefined && order !== "strict" && order !== "weighted") {
    throw new ConfigurationError({ field: "worker.order", message: `must be "strict" (a higher queue's ready jobs always first) or "weighted" (shares by weight), got ${JSON.stringify(order)}` });
  }
  if (Array.isArray(queues)) {
    if (queues.length === 0) throw noQueues();
    const names = queues.map((queue, index) => validateQueueName(queue, `worker.queues[${index}]`));
    names.forEach((name, index) => {
      if (names.indexOf(name) !== index) throw new ConfigurationError({ field: `worker.queues[${index}]`, message: `${JSON.stringify(name)} is listed twice; name each queue once` });
    });
    return { order: order ?? "weighted", queues: names, weights: new Map(names.map((name) => [name, 1])) };
  }
  if (typeof queues !== "object" || queues === null) throw noQueues();
  if (order === "strict") {
    throw new ConfigurationError({ field: "worker.order", message: 'strict order takes a list, highest first: worker({ queues: ["critical", "default"], order: "strict" }); weights ({ critical: 6 }) mean order: "weighted"' });
  }
  const entries = Object.entries(queues as Record<string, unknown>);
  if (entries.length === 0) throw noQueues();
  const weights = new Map<string, number>();
  for (const [name, weight] of entries) {
    const field = `worker.queues.${name}`;
    validateQueueName(name, field);
    if (typeof weight !== "number" || !Number.isSafeInteger(weight) || weight < 1 || weight > MAX_QUEUE_WEIGHT) {
      throw new ConfigurationError({ field, message: `a weight must be an integer from 1 to ${MAX_QUEUE_WEIGHT} (leave a queue out rather than give it 0), got ${JSON.stringify(weight)}` });
    }
    weights.set(name, weight);
  }
  return { order: "weighted", queues: [...weights.keys()], weights };
}

function noQueues(): ConfigurationError {
  return new ConfigurationError({
    field: "worker.queues",
    message: 'give at least one queue: a list, e.g. worker({ queues: ["critical", "default"], order: "strict" }), or weights, e.g. worker({ queues: { critical: 6, default: 2, low: 1 } })',
  });
}
