// A misspelt option is refused at once, naming it and the options there are, rather than its default used in silence.
import { expect, it } from "vitest";
import { createPubSubBackend } from "./pubsub-backend.js";
import { createPubSubPushHandler, createPubSubPushNodeHandler } from "./pubsub-push-handler.js";

it("the backend and the push handlers refuse options they do not have", () => {
  const hopper = { runMessage: async () => {} } as never;
  expect(() => createPubSubBackend({ projectId: "p", topicPrefx: "a-" } as never)).toThrow(/^topicPrefx: "topicPrefx" is not an option of createPubSubBackend\(\): use one of client, projectId, topicPrefix, /);
  expect(() => createPubSubPushHandler({ hopper, queue: "q", insecureNoAuth: true, maxBodyByte: 10 } as never)).toThrow(/^maxBodyByte: .*createPubSubPushHandler\(\)/);
  expect(() => createPubSubPushNodeHandler({ hopper, queue: "q", insecureNoAuth: true, maxBodyByte: 10 } as never)).toThrow(/createPubSubPushNodeHandler\(\)/);
});
