import { randomBytes } from "node:crypto";
import { requireService } from "@hopper/services";
import { createPubSubBackend, type PubSubBackendOptions } from "./pubsub-backend.js";

/** The emulator's project; requireService skips loudly locally and fails under CI=true. */
export function emulatorProject(): string | undefined {
  return requireService("pubsub")?.HOPPER_TEST_PUBSUB_PROJECT;
}

/** A backend on the emulator whose topics no other test run shares. */
export function createTestBackend(project: string, options: Omit<PubSubBackendOptions, "projectId" | "client"> = {}) {
  return createPubSubBackend({ projectId: project, topicPrefix: `t${randomBytes(3).toString("hex")}-`, ...options });
}
