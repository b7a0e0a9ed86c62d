import { describe, expect, it } from "vitest";
import { BackendConnection } from "./backend-connection.js";
import { ConfigurationError } from "./errors/configuration-error.js";
import type { Logger } from "./logger.js";
import { createMemoryBackend } from "./memory/memory-backend.js";

function recordingLogger(): Logger & { errors: string[] } {
  const errors: string[] = [];
  return { debug: () => {}, info: () => {}, warn: () => {}, errors, error: (message: string) => void errors.push(message) };
}

describe("BackendConnection", () => {
  it("opens once and shares the backend", async () => {
    let opens = 0;
    const connection = new BackendConnection(async () => {
      opens += 1;
      return createMemoryBackend();
    });
    const [first, second] = await Promise.all([connection.get(), connection.get()]);
    expect(first).toBe(second);
    expect(opens).toBe(1);
  });

  it("forgets a failed open, so the next call tries again", async () => {
    let opens = 0;
    const connection = new BackendConnection(async () => {
      opens += 1;
      if (opens === 1) throw new Error("connect ECONNREFUSED 127.0.0.1:5432");
      return createMemoryBackend();
    });
    await expect(connection.get()).rejects.toThrow(/ECONNREFUSED/);
    await expect(connection.get()).resolves.toMatchObject({ name: "memory" });
    expect(opens).toBe(2);
  });

  it("says what is open without opening: nothing before the first call or after a failed one, the backend once open", async () => {
    let opens = 0;
    const connection = new BackendConnection(async () => {
      opens += 1;
      if (opens === 1) throw new Error("connect ECONNREFUSED 127.0.0.1:6379");
      return createMemoryBackend();
    });
    expect(connection.opened()).toBeUndefined();
    await expect(connection.get()).rejects.toThrow(/ECONNREFUSED/);
    expect(connection.opened()).toBeUndefined();
    expect(opens).toBe(1);
    const backend = await connection.get();
    await expect(connection.opened()).resolves.toBe(backend);
    expect(opens).toBe(2);
  });

  it("waits out an unreachable backend, logging each failed try", async () => {
    let opens = 0;
    const connection = new BackendConnection(async () => {
      opens += 1;
      if (opens < 3) throw new Error("the database system is starting up");
      return createMemoryBackend();
    });
    const logger = recordingLogger();
    const backend = await connection.waitUntilOpen(new AbortController().signal, logger);
    expect(backend?.name).toBe("memory");
    expect(logger.errors).toEqual(["cannot reach the backend; retrying in 500 ms", "cannot reach the backend; retrying in 1000 ms"]);
  });

  it("does not retry a configuration error", async () => {
    const connection = new BackendConnection(async () => {
      throw new ConfigurationError({ field: "url", message: "no backend serves ftp:// URLs" });
    });
    await expect(connection.waitUntilOpen(new AbortController().signal, recordingLogger())).rejects.toThrow(/url: no backend serves/);
  });

  it("gives up waiting when stopped", async () => {
    const connection = new BackendConnection(async () => {
      throw new Error("connect ECONNREFUSED");
    });
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 50);
    await expect(connection.waitUntilOpen(stop.signal, recordingLogger())).resolves.toBeUndefined();
  });
});
