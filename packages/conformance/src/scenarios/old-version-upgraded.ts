import { expect } from "vitest";
import { Job, encodeEnvelope, ENVELOPE_FORMAT_VERSION } from "@hopper/core";
import { defineScenario } from "../scenario.js";
import { runWorkerUntil, testHopper } from "../harness.js";

export const oldVersionUpgraded = defineScenario({
  name: "a payload queued by an older version is upgraded step by step and run",
  async run({ backend, queue }) {
    const name = queue("upgrade");
    const performed: unknown[] = [];
    class Welcome extends Job<{ userId: string; locale: string; channel: string }> {
      static override queue = name;
      static override version = 3;
      static override upgrades = {
        1: (old: { user_id: number }) => ({ userId: String(old.user_id), locale: "en" }),
        2: (old: { userId: string; locale: string }) => ({ ...old, channel: "email" }),
      };
      async perform(args: { userId: string; locale: string; channel: string }) {
        performed.push(args);
      }
    }
    const hopper = testHopper(backend, [Welcome]);
    // What a worker of version 1 of the app queued before the deploy.
    const body = encodeEnvelope({ hopper: ENVELOPE_FORMAT_VERSION, id: "v1-job", job: "Welcome", version: 1, args: { user_id: 42 }, queue: name, priority: 0, enqueuedAt: new Date().toISOString(), attempt: 1, meta: {} });
    await backend.enqueue([{ id: "v1-job", queue: name, body }]);
    await Welcome.performLater({ userId: "7", locale: "fr", channel: "sms" });
    await runWorkerUntil(hopper, { queues: [name] }, () => performed.length === 2, "both versions to run");
    expect(performed).toContainEqual({ userId: "42", locale: "en", channel: "email" });
    expect(performed).toContainEqual({ userId: "7", locale: "fr", channel: "sms" });
  },
});
