// A misspelt option is refused before anything connects, naming it and the options there are: the default used in
// its place in silence (`keyprefix`) put the jobs where no one looked.
import { expect, it } from "vitest";
import { createRedisBackend } from "./redis-backend.js";
import { createRedisCoordinationStore } from "./redis-coordination-store.js";
import { createRedisRecordStore } from "./redis-record-store.js";

it("the backend, record store and coordination store refuse options they do not have", () => {
  const url = "redis://127.0.0.1:1";
  expect(() => createRedisBackend({ url, keyprefix: "app" } as never)).toThrow(/^keyprefix: "keyprefix" is not an option of createRedisBackend\(\): use one of url, client, redisOptions, keyPrefix, /);
  expect(() => createRedisRecordStore({ url, keyprefix: "app" } as never)).toThrow(/^keyprefix: "keyprefix" is not an option of createRedisRecordStore\(\)/);
  expect(() => createRedisCoordinationStore({ url, keyprefix: "app" } as never)).toThrow(/^keyprefix: "keyprefix" is not an option of createRedisCoordinationStore\(\)/);
});
