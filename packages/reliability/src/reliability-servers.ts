// Servers of the suite's own, on a free loopback port, that it may crash and
// start again on the same port and data: a shared service (pnpm services up)
// must not be restarted under other engineers' tests.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { findFreePort } from "@hopper/services";

export interface RestartableServer {
  readonly url: string;
  /** Crashes the server: no goodbye to clients (Redis SIGKILL, PostgreSQL immediate shutdown). */
  crash(): Promise<void>;
  /** Starts it again on the same port and data; resolves once it answers. */
  start(): Promise<void>;
  /** Stops it for good and removes its data. */
  dispose(): Promise<void>;
}


async function waitFor(probe: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

function answers(command: string, args: string[]): boolean {
  try {
    execFileSync(command, args, { stdio: "ignore", timeout: 2000 });
    return true;
  } catch {
    return false;
  }
}

async function stopChild(child: ChildProcess | undefined, signal: NodeJS.Signals): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill(signal);
  await exited;
}

/**
 * redis-server with an append-only file fsynced on every write, so a crash
 * keeps every acknowledged write, as a production server with `appendfsync
 * always` would. (With Redis's default `everysec`, up to a second of writes
 * can go; with persistence off, everything.)
 */
export async function startRedisServer(): Promise<RestartableServer> {
  const port = await findFreePort();
  const directory = mkdtempSync(join(tmpdir(), "hopper-reliability-redis-"));
  let child: ChildProcess | undefined;
  const server: RestartableServer = {
    url: `redis://127.0.0.1:${port}`,
    async start() {
      child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--dir", directory, "--save", "", "--appendonly", "yes", "--appendfsync", "always"], { stdio: "ignore" });
      await waitFor(() => answers("redis-cli", ["-p", String(port), "ping"]), `redis-server on port ${port}`);
    },
    crash: () => stopChild(child, "SIGKILL"),
    async dispose() {
      await stopChild(child, "SIGKILL");
      rmSync(directory, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}

function postgresBinDir(): string {
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root) ? readdirSync(root).filter((entry) => existsSync(join(root, entry, "bin", "initdb"))) : [];
  const newest = versions.sort((left, right) => Number.parseFloat(right) - Number.parseFloat(left))[0];
  if (!newest) throw new Error("PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin: apt-get install -y postgresql");
  return join(root, newest, "bin");
}

/** PostgreSQL refuses to run as root: run it as the `postgres` (or the services tool's `hopper-pg`) user then. */
function postgresOsUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of ["postgres", "hopper-pg"]) {
    for (const line of readFileSync("/etc/passwd", "utf8").split("\n")) {
      const [user, , uid, gid] = line.split(":");
      if (user === name) return { uid: Number(uid), gid: Number(gid) };
    }
  }
  throw new Error("running as root and no postgres OS user: apt-get install -y postgresql");
}

/**
 * A throwaway PostgreSQL cluster. fsync is off (the machine does not crash in
 * this test, only the server process); synchronous_commit stays on, so a
 * commit is in the kernel's hands before the client hears of it and survives
 * an immediate shutdown, which is a crash followed by WAL recovery.
 */
export async function startPostgresServer(): Promise<RestartableServer> {
  const binDir = postgresBinDir();
  const port = await findFreePort();
  const directory = mkdtempSync(join(tmpdir(), "hopper-reliability-pg-"));
  const user = postgresOsUser();
  if (user) chownSync(directory, user.uid, user.gid);
  const asUser = { cwd: directory, ...(user ?? {}) };
  const dataDir = join(directory, "data");
  execFileSync(join(binDir, "initdb"), ["--pgdata", dataDir, "--username", "hopper", "--auth", "trust", "--encoding", "UTF8", "--locale", "C", "--no-sync", "--no-instructions"], { ...asUser, stdio: "ignore", timeout: 60_000 });
  let child: ChildProcess | undefined;
  const server: RestartableServer = {
    url: `postgres://hopper@127.0.0.1:${port}/postgres`,
    async start() {
      child = spawn(join(binDir, "postgres"), ["-D", dataDir, "-p", String(port), "-h", "127.0.0.1", "-k", directory, "-c", "fsync=off", "-c", "full_page_writes=off", "-c", "max_connections=200"], { ...asUser, stdio: "ignore" });
      await waitFor(() => answers(join(binDir, "pg_isready"), ["-q", "-h", "127.0.0.1", "-p", String(port), "-d", "postgres", "-U", "hopper"]), `postgres on port ${port}`, 60_000);
    },
    // SIGQUIT is PostgreSQL's immediate shutdown: processes exit at once, and the next start runs crash recovery.
    crash: () => stopChild(child, "SIGQUIT"),
    async dispose() {
      await stopChild(child, "SIGQUIT");
      rmSync(directory, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}
