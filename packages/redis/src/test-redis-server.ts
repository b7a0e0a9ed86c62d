// Test-only: a redis-server of our own that a test may kill and restart on the
// same port. It keeps an append-only file (fsync on every write) in a temp dir,
// so a restart comes back with every acknowledged write, as a production
// server with persistence would.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findFreePort } from "@hopper/services";
import { Redis } from "ioredis";

export class DisposableRedisServer {
  private process: ChildProcess | undefined;

  private constructor(
    readonly port: number,
    private readonly directory: string,
    private readonly binary: string,
    private readonly extraArgs: readonly string[],
    private readonly environment: NodeJS.ProcessEnv,
  ) {}

  /** `extraArgs` are more redis-server flags, e.g. ["--maxmemory-policy", "allkeys-lru"]; `environment` adds to the server's variables. */
  static async start(extraArgs: readonly string[] = [], environment: NodeJS.ProcessEnv = {}): Promise<DisposableRedisServer> {
    const binary = execFileSync("which", ["redis-server"], { encoding: "utf8" }).trim();
    const server = new DisposableRedisServer(await findFreePort(), mkdtempSync(join(tmpdir(), "hopper-redis-")), binary, extraArgs, { ...process.env, ...environment });
    await server.restart();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts (again) on the same port and data directory; resolves once it answers PING. */
  async restart(): Promise<void> {
    this.process = spawn(this.binary, ["--port", String(this.port), "--bind", "127.0.0.1", "--dir", this.directory, "--save", "", "--appendonly", "yes", "--appendfsync", "always", ...this.extraArgs], { stdio: "ignore", env: this.environment });
    const probe = new Redis(this.port, "127.0.0.1", { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on("error", () => {});
    try {
      const deadline = Date.now() + 10_000;
      for (;;) {
        try {
          await probe.connect();
          await probe.ping();
          return;
        } catch (error) {
          probe.disconnect();
          if (Date.now() > deadline) throw error;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
    } finally {
      probe.disconnect();
    }
  }

  /** SIGKILL: no goodbye to clients. */
  async kill(): Promise<void> {
    const child = this.process;
    this.process = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.directory, { recursive: true, force: true });
  }
}

/**
 * Calls per command since the server's last RESETSTAT (INFO commandstats, lower-case names), leaving out
 * INFO and CONFIG: the counting's own reads. For tests that count what Hopper asks of a server of their own.
 */
export async function commandCalls(admin: Redis): Promise<Map<string, number>> {
  const calls = new Map<string, number>();
  for (const match of (await admin.info("commandstats")).matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    if (match[1] !== "info" && match[1] !== "config") calls.set(match[1]!, Number(match[2]));
  }
  return calls;
}
