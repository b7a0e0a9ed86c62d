// Run by testing/node-test.test.ts with `node --test`: the test helpers under node:test, no vitest anywhere.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createConsoleLogger, Job } from "@hopper/core";
import { createTestHopper, expectEnqueued } from "@hopper/core/testing";

class Ping extends Job<{ n: number }> {
  static ran: number[] = [];
  async perform({ n }: { n: number }) {
    Ping.ran.push(n);
  }
}

test("records, asserts and performs under node:test", async () => {
  const hopper = createTestHopper({ jobs: [Ping], logger: createConsoleLogger("silent") });
  try {
    await Ping.performLater({ n: 1 });
    expectEnqueued(Ping, { n: 1 });
    assert.throws(() => expectEnqueued(Ping, { n: 2 }), { name: "AssertionError", message: /enqueued instead \(1\):\n  - Ping on default with \{ n: 1 \}/ });
    await hopper.performEnqueued();
    assert.deepEqual(Ping.ran, [1]);
  } finally {
    await hopper.close();
  }
});
