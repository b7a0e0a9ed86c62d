export { createPubSubBackend, type PubSubBackendOptions } from "./pubsub-backend.js";
export { PUBSUB_CAPABILITIES } from "./pubsub-capabilities.js";
export { createBackendFromUrl } from "./pubsub-url.js";
export { createPubSubPushHandler, createPubSubPushNodeHandler, type PubSubPushHandlerOptions } from "./pubsub-push-handler.js";
export type { PushVerification } from "./pubsub-push-auth.js";
