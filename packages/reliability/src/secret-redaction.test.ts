import { randomBytes } from "node:crypto";
import { createHopper, Job, type Logger } from "@hopper/core";
import { describe, expect, it } from "vitest";

// Connection strings and job args stay out of logs and errors by default;
// args appear in the worker's logs only with createHopper({ logArgs: true }).

const password = `pw-${randomBytes(6).toString("hex")}`;
const cardNumber = `4111${randomBytes(6).toString("hex")}`;
// Short enough that V8 would quote all of it in a JSON.parse error (it quotes ~10 characters around the fault).
const pin = `ZQ${"GHJKMNPRSTVWXY"[randomBytes(1)[0]! % 14]}`;

function capturingLogger(): { logger: Logger; text: () => string } {
  const lines: string[] = [];
  const write = (level: string) => (message: string, fields?: Record<string, unknown>) => {
    lines.push(`${level} ${message} ${JSON.stringify(fields ?? {}, (_key, value: unknown) => (value instanceof Error ? { name: value.name, message: value.message, stack: value.stack } : value))}`);
  };
  return { logger: { debug: write("debug"), info: write("info"), warn: write("warn"), error: write("error") }, text: () => lines.join("\n") };
}

async function runFailingJobs(options: { logArgs?: boolean }): Promise<string> {
  const queue = `secrets${randomBytes(4).toString("hex")}`;
  let runs = 0;
  class Charge extends Job<{ card: string }> {
    static override queue = queue;
    static override retry = { attempts: 2, wait: 1, jitter: 0 };
    async perform() {
      runs += 1;
      // A driver error quoting its connection string, as some do.
      throw new Error(`connect failed: postgres://app:${password}@db.internal:5432/app`);
    }
  }
  const captured = capturingLogger();
  const hopper = createHopper({ url: `memory://${queue}`, jobs: [Charge], logger: captured.logger, ...options });
  try {
    await Charge.performLater({ card: cardNumber });
    // A body that is not JSON, with the args in it: dead-lettered as malformed.
    const backend = await hopper.backend;
    await backend.enqueue([{ id: "broken", queue, body: `{"hopper":1,"args":{"pin":"${pin}"},"x":}` }]);
    const worker = hopper.worker({ queues: [queue], handleSignals: false, pollWait: "50ms" });
    const running = worker.run();
    const deadline = Date.now() + 10_000;
    while ((runs < 2 || !captured.text().includes("malformed")) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    await worker.stop();
    await running;
    expect(runs).toBe(2);
    return captured.text();
  } finally {
    await hopper.close();
  }
}

describe("secrets stay out of logs and errors", () => {
  it("by default: a failing job's logs carry neither the password in a connection string nor the job's args", async () => {
    const logs = await runFailingJobs({});
    expect(logs).toContain("job failed; retrying");
    expect(logs).toContain("job dead-lettered");
    expect(logs).toContain("postgres://***@db.internal");
    expect(logs).not.toContain(password);
    expect(logs).not.toContain(cardNumber);
    expect(logs).toContain("message body is not JSON");
    expect(logs).not.toContain(pin);
  });

  it("with logArgs: true the args appear in the failure logs; the password still does not", async () => {
    const logs = await runFailingJobs({ logArgs: true });
    expect(logs).toContain(cardNumber);
    expect(logs).not.toContain(password);
  });

  it("a bad backend URL is reported without its password", async () => {
    for (const url of [`postgres://app:${password}@[not-a-host/app`, `nosuch://app:${password}@host/`]) {
      const hopper = createHopper({ url, jobs: [] });
      const error = await hopper.backend.then(() => undefined, (caught: unknown) => caught as Error);
      expect(error?.name).toBe("ConfigurationError");
      expect(`${error?.message} ${error?.stack}`).not.toContain(password);
    }
  });

  it("the logger a job gets through its context redacts connection strings too", async () => {
    const queue = `secrets${randomBytes(4).toString("hex")}`;
    const captured = capturingLogger();
    class Talk extends Job<object> {
      static override queue = queue;
      async perform(_args: object, context: { logger: Logger }) {
        context.logger.warn(`using redis://:${password}@cache:6379`, { url: `rediss://default:${password}@cache:6380` });
      }
    }
    const hopper = createHopper({ url: `memory://${queue}`, jobs: [Talk], logger: captured.logger });
    try {
      await hopper.enqueue(Talk, {});
      const worker = hopper.worker({ queues: [queue], handleSignals: false, pollWait: "50ms" });
      const running = worker.run();
      const deadline = Date.now() + 10_000;
      while (!captured.text().includes("cache") && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      await worker.stop();
      await running;
      expect(captured.text()).toContain("redis://***@cache:6379");
      expect(captured.text()).not.toContain(password);
    } finally {
      await hopper.close();
    }
  });
});

