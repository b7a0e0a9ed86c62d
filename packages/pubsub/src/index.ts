export { createPubSubBackend, type PubSubBackendOptions } from "./pubsub-backend.js";
export { PUBSUB_CAPABILITIES } from "./pubsub-capabilities.js";
export { createBackendFromUrl } from "./pubsub-url.js";
