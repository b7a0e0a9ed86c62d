export { createSqsBackend, SQS_CAPABILITIES, SQS_FIFO_CAPABILITIES, SQS_MAX_MESSAGE_BYTES, SQS_MAX_DELAY_SECONDS, type SqsBackendOptions } from "./sqs-backend.js";
export { createBackendFromUrl, sqsOptionsFromUrl } from "./sqs-backend-url.js";
export { createSqsdHandler, createSqsdNodeHandler, type SqsdHandlerOptions, type SqsdPeriodicTask } from "./sqs-sqsd-handler.js";
export { createSqsLambdaHandler, type SqsLambdaHandlerOptions, type SqsEvent, type SqsEventRecord, type SqsBatchResponse } from "./sqs-lambda-handler.js";
