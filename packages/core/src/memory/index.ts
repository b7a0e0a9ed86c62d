export { createMemoryBackend, MEMORY_CAPABILITIES, type MemoryBackendOptions } from "./memory-backend.js";
