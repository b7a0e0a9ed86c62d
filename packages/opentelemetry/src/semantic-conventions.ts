/**
 * The OpenTelemetry semantic conventions for messaging this package follows, pinned:
 * they are at Development status and still change between releases. The names below are copies
 * (as @opentelemetry/semantic-conventions advises for its incubating entry point); a test holds
 * them to that package at this version.
 */
export const MESSAGING_SEMCONV_VERSION = "1.30.0";

export const ATTR_MESSAGING_SYSTEM = "messaging.system";
export const ATTR_MESSAGING_DESTINATION_NAME = "messaging.destination.name";
export const ATTR_MESSAGING_OPERATION_TYPE = "messaging.operation.type";
export const ATTR_MESSAGING_OPERATION_NAME = "messaging.operation.name";
export const ATTR_MESSAGING_MESSAGE_ID = "messaging.message.id";
export const ATTR_MESSAGING_BATCH_MESSAGE_COUNT = "messaging.batch.message_count";
export const ATTR_ERROR_TYPE = "error.type";
/** error.type for a thrown value that is not an Error, so has no class name. */
export const ERROR_TYPE_VALUE_OTHER = "_OTHER";
export const MESSAGING_OPERATION_TYPE_VALUE_SEND = "send";
export const MESSAGING_OPERATION_TYPE_VALUE_PROCESS = "process";

export const METRIC_MESSAGING_CLIENT_SENT_MESSAGES = "messaging.client.sent.messages";
export const METRIC_MESSAGING_CLIENT_OPERATION_DURATION = "messaging.client.operation.duration";
export const METRIC_MESSAGING_CLIENT_CONSUMED_MESSAGES = "messaging.client.consumed.messages";
export const METRIC_MESSAGING_PROCESS_DURATION = "messaging.process.duration";
/** The bucket boundaries (seconds) the conventions give for both duration histograms. */
export const MESSAGING_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

// Hopper's own, where the conventions have none.
export const ATTR_HOPPER_JOB_NAME = "hopper.job.name";
/** Hopper's own queue name, the same on every backend (messaging.destination.name is the transport's). */
export const ATTR_HOPPER_QUEUE_NAME = "hopper.queue.name";
export const ATTR_HOPPER_JOB_ATTEMPT = "hopper.job.attempt";
export const ATTR_HOPPER_JOB_OUTCOME = "hopper.job.outcome";
/** On a process span ended while its run still went on, past its timeout, ignoring its signal. */
export const ATTR_HOPPER_JOB_HUNG = "hopper.job.hung";
/** On a process span ended as its process exited (exitOnHungJob) while its run still went on, for another reason than a hang. */
export const ATTR_HOPPER_JOB_ABANDONED = "hopper.job.abandoned";

// The conventions name aws_sqs and gcp_pubsub; Redis, PostgreSQL and the in-memory backend have no value there.
const messagingSystems: Readonly<Record<string, string>> = {
  sqs: "aws_sqs",
  // A FIFO queue is still SQS: the backend's name tells them apart, the conventions do not.
  "sqs-fifo": "aws_sqs",
  pubsub: "gcp_pubsub",
  redis: "redis",
  postgres: "postgresql",
  pglite: "postgresql",
  memory: "hopper_memory",
};

/** `messaging.system` for a backend's name; a backend this table does not know reports its own name. */
export function messagingSystem(backendName: string): string {
  return Object.hasOwn(messagingSystems, backendName) ? messagingSystems[backendName]! : backendName;
}
