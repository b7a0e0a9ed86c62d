import { randomBytes } from "node:crypto";
import { createPubSubBackend, type PubSubBackendOptions } from "./pubsub-backend.js";

/**
 * The emulator's project when the services tool published one. Mirrors
 * @hopper/services' requireService (not a dependency of this package):
 * under CI=true a missing emulator fails; locally it skips with one loud line.
 */
export function emulatorProject(): string | undefined {
  const project = process.env.HOPPER_TEST_PUBSUB_PROJECT;
  if (project && process.env.PUBSUB_EMULATOR_HOST) return project;
  const message = "[hopper] pubsub tests skipped: PUBSUB_EMULATOR_HOST and HOPPER_TEST_PUBSUB_PROJECT not set. Start it with `pnpm services up pubsub` and `eval \"$(pnpm -s services env)\"`.";
  if (process.env.CI === "true") throw new Error(message.replace("tests skipped", "emulator required under CI=true"));
  console.warn(message);
  return undefined;
}

/** A backend on the emulator whose topics no other test run shares. */
export function createTestBackend(project: string, options: Omit<PubSubBackendOptions, "projectId" | "client"> = {}) {
  return createPubSubBackend({ projectId: project, topicPrefix: `t${randomBytes(3).toString("hex")}-`, ...options });
}
