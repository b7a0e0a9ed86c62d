import { ConfigurationError } from "./errors/configuration-error.js";

// Letters first, then letters, digits, "-" and "_": safe as an SQS queue name,
// a Pub/Sub topic id, a Redis key part and an SQL value on every backend.
const queueNamePattern = /^[A-Za-z][A-Za-z0-9_-]{0,62}$/;
const jobNamePattern = /^[A-Za-z_$][A-Za-z0-9_$.:-]{0,127}$/;

export const DEAD_LETTER_SUFFIX = "-dead";

export function validateQueueName(queue: unknown, field = "queue"): string {
  if (typeof queue !== "string" || !queueNamePattern.test(queue)) {
    throw new ConfigurationError({
      field,
      message: `${JSON.stringify(queue)} is not a valid queue name: use 1-63 letters, digits, "-" or "_", starting with a letter`,
    });
  }
  return queue;
}

export function validateJobName(name: unknown, field = "jobName"): string {
  if (typeof name !== "string" || !jobNamePattern.test(name)) {
    throw new ConfigurationError({
      field,
      message: `${JSON.stringify(name)} is not a valid job name: use up to 128 letters, digits, "_", "$", ".", ":" or "-", starting with a letter; set static jobName when a minifier renames classes`,
    });
  }
  return name;
}

export function deadLetterQueueName(queue: string): string {
  return `${queue}${DEAD_LETTER_SUFFIX}`;
}

export const MIN_PRIORITY = -1000;
export const MAX_PRIORITY = 1000;

export function validatePriority(priority: unknown, field = "priority"): number {
  if (typeof priority !== "number" || !Number.isSafeInteger(priority) || priority < MIN_PRIORITY || priority > MAX_PRIORITY) {
    throw new ConfigurationError({ field, message: `must be an integer from ${MIN_PRIORITY} to ${MAX_PRIORITY} (higher runs first), got ${JSON.stringify(priority)}` });
  }
  return priority;
}
