export { createPostgresBackend, POSTGRES_CAPABILITIES, type PostgresBackend, type PostgresBackendOptions } from "./postgres-backend.js";
export { createBackendFromUrl, createCoordinationStoreFromUrl, createOutboxStoreFromUrl } from "./postgres-backend-url.js";
export { createPostgresOutbox, type PostgresOutboxOptions } from "./postgres-outbox.js";
export type { QueryableClient } from "./postgres-executor.js";
export { createPostgresCoordinationStore, type PostgresCoordinationStoreOptions } from "./postgres-coordination-store.js";
export { createPostgresRecordStore, type PostgresRecordStoreOptions } from "./postgres-record-store.js";
