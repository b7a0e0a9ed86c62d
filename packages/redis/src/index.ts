export { CLOSE_ACKS_BOUND_MS, createRedisBackend, REDIS_CAPABILITIES, type RedisBackend, type RedisBackendOptions } from "./redis-backend.js";
export type { MissingMessagesEvent } from "./redis-receive.js";
export { createBackendFromUrl, createCoordinationStoreFromUrl } from "./redis-url.js";
export { queueKeys, type QueueKeys } from "./redis-keys.js";
export { createRedisCoordinationStore, type RedisCoordinationStoreOptions } from "./redis-coordination-store.js";
export { createRedisRecordStore, type RedisRecordStoreOptions } from "./redis-record-store.js";
