export { createSqsBackend, SQS_CAPABILITIES, SQS_FIFO_CAPABILITIES, SQS_MAX_MESSAGE_BYTES, SQS_MAX_DELAY_SECONDS, type SqsBackendOptions } from "./sqs-backend.js";
export { createBackendFromUrl, sqsOptionsFromUrl } from "./sqs-backend-url.js";
