import { describe, expect, it } from "vitest";
import { createHopper } from "./hopper.js";
import { Job } from "./job.js";
import { createConsoleLogger } from "./logger.js";
import { createMemoryBackend } from "./memory/memory-backend.js";
import type { Middleware } from "./middleware.js";

// A perform layer that called next() twice ran the job twice. (An enqueue layer's next() still sends each time it is
// called: the conformance suite sends duplicates that way.)

describe("a middleware layer calling next() more than once", () => {
  it("runs perform once; the second call answers the first's result", async () => {
    const store = `next-twice-${Date.now()}`;
    let performs = 0;
    class Once extends Job<Record<string, never>> {
      static override queue = store;
      async perform() {
        performs++;
        return "done";
      }
    }
    const answers: unknown[] = [];
    const twice: Middleware = {
      async perform(_context, next) {
        const [first, second] = await Promise.all([next(), next()]);
        answers.push(second, first);
        return first;
      },
    };
    const hopper = createHopper({ backend: createMemoryBackend({ store }), jobs: [Once], logger: createConsoleLogger("silent"), middleware: [twice] });
    try {
      const id = await Once.performLater({});
      expect(await (await hopper.backend).stats!(store)).toMatchObject({ ready: 1 });
      const worker = hopper.worker({ queues: [store], pollWait: 20, handleSignals: false });
      const running = worker.run();
      for (let tries = 0; tries < 100 && performs === 0; tries++) await new Promise((resolve) => setTimeout(resolve, 20));
      await worker.stop();
      await running;
      expect(performs).toBe(1);
      expect(answers).toEqual(["done", "done"]);
      expect(id).toEqual(expect.any(String));
    } finally {
      await hopper.close();
    }
  });

  it("runs next() again after it rejected: a layer may retry what failed", async () => {
    const { runPerformMiddleware } = await import("./middleware.js");
    let calls = 0;
    const retrying: Middleware = {
      async perform(_context, next) {
        try {
          return await next();
        } catch {
          return next();
        }
      },
    };
    const result = await runPerformMiddleware([retrying], {} as never, async () => {
      calls++;
      if (calls === 1) throw new Error("flaky");
      return "second";
    });
    expect({ calls, result }).toEqual({ calls: 2, result: "second" });
  });
});
