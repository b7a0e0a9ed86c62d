export * from "./backend.js";
export { sendInBatches, chunkMessages } from "./send-in-batches.js";
export { abortableSleep } from "../abortable-sleep.js";
export { QueueReceivers } from "./queue-receivers.js";
export { isConnectionFailure } from "../backend-reach.js";
// For packages that take options objects of their own: a misspelt key refused as the core refuses its own.
export { optionKeysOf, rejectUnknownOptions } from "../option-keys.js";
export { checkUrlParameters } from "../url-parameters.js";
export { slotIntervalMicroseconds } from "../coordination/rate-slot.js";
export { envelopeIdOf } from "../envelope/envelope-id.js";
export { BackendClosedError } from "../errors/backend-closed-error.js";
export { UnsupportedCapabilityError } from "../errors/unsupported-capability-error.js";
export {
  toFetchHandler,
  toNodeHandler,
  createPushEndpoint,
  positiveIntegerOption,
  hungJobExitOption,
  insecureNoAuthOption,
  readBoundedBody,
  pushAnswer,
  secretMatches,
  addressesOf,
  isLoopbackAddress,
  unmappedAddress,
  type PushEndpoint,
  type PushHttpRequest,
  type PushHttpAnswer,
  type PushHttpHandler,
} from "./push-http.js";
// Queue history's writer and reader over a coordination store, for the conformance suite's round trip.
export { HistoryRecorder, type HistoryRecorderOptions } from "../history/history-recorder.js";
export { readQueueHistory } from "../history/queue-history.js";
