export { openTelemetryMiddleware } from "./telemetry-middleware.js";
export type { TelemetryOptions } from "./telemetry-options.js";
export { pinoLogger, type FieldsFirstLogger } from "./pino-logger.js";
export { MESSAGING_SEMCONV_VERSION, messagingSystem } from "./semantic-conventions.js";
export { observeQueueDepth, type QueueDepthOptions } from "./queue-depth.js";
