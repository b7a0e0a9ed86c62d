import { randomBytes } from "node:crypto";
import { inspect } from "node:util";
import { BackendUnavailableError, ConfigurationError, createHopper, Job, type Logger } from "@hopper/core";
import { findFreePort } from "@hopper/services";
import { startPostgresServer, startRedisServer } from "./reliability-servers.js";
import { describe, expect, it } from "vitest";

// Every backend fails the same way when nothing answers at enqueue: BackendUnavailableError,
// the URL without its password, the driver's error as the cause, within connectTimeout.

// Far above what a close takes with nothing to wait for, far below ioredis's ten seconds of reconnects.
const closeBoundMs = 4000;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

const password = `pw-${randomBytes(6).toString("hex")}`;

class Probe extends Job<{ n: number }> {
  static override queue = "unreachable";
  async perform() {}
}

function capturingLogger(): { logger: Logger; text: () => string } {
  const lines: string[] = [];
  const write = (message: string, fields?: Record<string, unknown>) => void lines.push(`${message} ${inspect(fields, { depth: 8 })}`);
  return { logger: { debug: write, info: write, warn: write, error: write }, text: () => lines.join("\n") };
}

async function withEnvironment<T>(variables: Record<string, string>, run: () => Promise<T>): Promise<T> {
  const previous = Object.fromEntries(Object.keys(variables).map((key) => [key, process.env[key]]));
  Object.assign(process.env, variables);
  try {
    return await run();
  } finally {
    for (const [key, value] of Object.entries(previous)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

const targets: readonly { name: string; url: (port: number) => string; environment?: (port: number) => Record<string, string> }[] = [
  { name: "redis", url: (port) => `redis://:${password}@127.0.0.1:${port}` },
  { name: "redis, user and password", url: (port) => `redis://app:${password}@127.0.0.1:${port}/0` },
  { name: "postgres", url: (port) => `postgres://app:${password}@127.0.0.1:${port}/app` },
  { name: "postgres, password as a query parameter", url: (port) => `postgres://app@127.0.0.1:${port}/app?password=${password}` },
  { name: "postgres, percent-encoded password", url: (port) => `postgresql://app:${encodeURIComponent(`${password}/@:`)}@127.0.0.1:${port}/app` },
  { name: "sqs, endpoint with credentials", url: (port) => `sqs://us-east-1/unreachable-?endpoint=${encodeURIComponent(`http://key:${password}@127.0.0.1:${port}`)}` },
  { name: "pubsub", url: () => `pubsub://unreachable-project`, environment: (port) => ({ PUBSUB_EMULATOR_HOST: `127.0.0.1:${port}` }) },
];

describe("enqueue while the backend is unreachable (a port where nothing listens)", () => {
  for (const target of targets) {
    it(`${target.name}: rejects with BackendUnavailableError, the redacted URL and the cause, nothing secret anywhere`, { timeout: 60_000 }, async () => {
      const port = await findFreePort();
      const url = target.url(port);
      const captured = capturingLogger();
      await withEnvironment({ AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test", ...target.environment?.(port) }, async () => {
        const hopper = createHopper({ url, jobs: [Probe], logger: captured.logger, connectTimeout: "3s" });
        try {
          const error = await Probe.performLater({ n: 1 }).then(() => undefined, (caught: unknown) => caught);
          expect(BackendUnavailableError.isInstance(error), inspect(error)).toBe(true);
          const unavailable = error as BackendUnavailableError;
          expect(unavailable.message).toContain(url.split("://")[0]);
          expect(unavailable.message).toMatch(/cannot reach the backend/);
          expect(unavailable.cause).toBeInstanceOf(Error);
          const everything = [unavailable.message, unavailable.stack, inspect(unavailable, { depth: 10, showHidden: true }), JSON.stringify(unavailable), String(unavailable.url)].join("\n");
          expect(everything).not.toContain(password);
          expect(everything).not.toContain(encodeURIComponent(password));
          // hopper.backend reports the same failure, not the driver's raw error.
          const opened = await hopper.backend.then(() => undefined, (caught: unknown) => caught);
          if (opened !== undefined) {
            expect(BackendUnavailableError.isInstance(opened), inspect(opened)).toBe(true);
            // Opening enqueues nothing, so its error must not speak of a job.
            expect((opened as BackendUnavailableError).message).toMatch(/cannot reach the backend/);
            expect((opened as BackendUnavailableError).message).not.toMatch(/job/);
          }
        } finally {
          // Closing opens nothing new and waits for no reconnect: a shutdown while the server is down must not hang.
          const closing = await Promise.race([hopper.close().then(() => "closed"), sleep(closeBoundMs).then(() => "still closing")]);
          expect(closing).toBe("closed");
        }
      });
      expect(captured.text()).not.toContain(password);
    });
  }

  for (const [name, startServer] of [
    ["redis", startRedisServer],
    ["postgres", startPostgresServer],
  ] as const) {
    it(`${name}: a server that stops after the Hopper connected gives the same error, and enqueue works again once it is back`, { timeout: 120_000 }, async () => {
      const server = await startServer();
      const hopper = createHopper({ url: server.url, jobs: [Probe], logger: capturingLogger().logger, connectTimeout: "3s" });
      try {
        await Probe.performLater({ n: 1 });
        await server.crash();
        const error = await Probe.performLater({ n: 2 }).then(() => undefined, (caught: unknown) => caught);
        expect(BackendUnavailableError.isInstance(error), inspect(error)).toBe(true);
        await server.start();
        // ioredis and pg reconnect by themselves; the next enqueues go through.
        let lastError: unknown;
        for (let tries = 0; tries < 50; tries += 1) {
          lastError = await Probe.performLater({ n: 3 }).then(() => undefined, (caught: unknown) => caught);
          if (lastError === undefined) break;
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
        expect(lastError).toBeUndefined();
      } finally {
        await hopper.close();
        await server.dispose();
      }
    });
  }

  it("connectTimeout must be a positive duration", () => {
    for (const connectTimeout of [0, -1, "soon"]) {
      let caught: unknown;
      try {
        createHopper({ url: "memory://", jobs: [], connectTimeout });
      } catch (error) {
        caught = error;
      }
      expect(ConfigurationError.isInstance(caught) && caught.field).toBe("connectTimeout");
    }
  });
});
