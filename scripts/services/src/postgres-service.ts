import { execFile, spawnSync } from "node:child_process";
import { chownSync, existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { ServiceStartError } from "./service-errors.js";
import { findFreePort } from "./free-port.js";
import type { ServiceDefinition } from "./service-types.js";

const execFileAsync = promisify(execFile);
const installHint = "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin: apt-get install -y postgresql";
const databaseName = "hopper";
/** Superuser created by initdb; independent of the OS user the server runs as. */
const databaseUser = "hopper";
/** OS user created when running as root and no `postgres` user exists (initdb refuses to run as root). */
const fallbackOsUser = "hopper-pg";

/** The bin dir of the highest PostgreSQL major version installed. */
export function findPostgresBinDir(): string | undefined {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((entry) => existsSync(join(root, entry, "bin", "initdb")) && existsSync(join(root, entry, "bin", "postgres")))
    .sort((left, right) => Number.parseFloat(right) - Number.parseFloat(left));
  return versions[0] === undefined ? undefined : join(root, versions[0], "bin");
}

function lookupOsUser(name: string): { uid: number; gid: number } | undefined {
  for (const line of readFileSync("/etc/passwd", "utf8").split("\n")) {
    const [user, , uid, gid] = line.split(":");
    if (user === name && uid !== undefined && gid !== undefined) return { uid: Number(uid), gid: Number(gid) };
  }
  return undefined;
}

/**
 * PostgreSQL will not run as root. As root, run it as the distribution's
 * `postgres` user when present (it owns the packaged binaries), otherwise as a
 * system user `hopper-pg` created on first use. As any other user, run as that user.
 */
function postgresOsUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const existing = lookupOsUser("postgres") ?? lookupOsUser(fallbackOsUser);
  if (existing) return existing;
  const created = spawnSync("useradd", ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", fallbackOsUser], { encoding: "utf8" });
  const user = lookupOsUser(fallbackOsUser);
  if (!user) throw new ServiceStartError("postgres", `running as root and could not create OS user ${fallbackOsUser}: ${created.stderr || created.error?.message}`);
  return user;
}

async function selectOne(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
  } finally {
    await client.end().catch(() => {});
  }
}

/** A throwaway cluster: initdb into a temp dir, durability off, trust auth, 127.0.0.1 only. */
export const postgresService: ServiceDefinition = {
  name: "postgres",
  description: "throwaway PostgreSQL cluster, fsync off",
  externalVariables: ["HOPPER_TEST_POSTGRES_URL"],
  requiredVariables: ["HOPPER_TEST_POSTGRES_URL"],

  async checkPrerequisites() {
    if (!findPostgresBinDir()) throw new ServiceStartError("postgres", installHint);
  },

  async start(context) {
    const binDir = findPostgresBinDir();
    if (!binDir) throw new ServiceStartError("postgres", installHint);
    const osUser = postgresOsUser();
    if (osUser) chownSync(context.dataDir, osUser.uid, osUser.gid);
    const clusterDir = join(context.dataDir, "data");
    const asUser = { cwd: context.dataDir, ...(osUser ?? {}) };
    try {
      await execFileAsync(
        join(binDir, "initdb"),
        ["--pgdata", clusterDir, "--username", databaseUser, "--auth", "trust", "--encoding", "UTF8", "--locale", "C", "--no-sync", "--no-instructions"],
        { ...asUser, timeout: 30_000 },
      );
    } catch (error) {
      const output = error as { stderr?: string };
      throw new ServiceStartError("postgres", `initdb failed: ${output.stderr || (error as Error).message}`, { cause: error });
    }
    const port = await findFreePort();
    context.spawn(
      join(binDir, "postgres"),
      [
        "-D", clusterDir,
        "-p", String(port),
        "-h", "127.0.0.1",
        "-k", context.dataDir,
        "-c", "fsync=off",
        "-c", "synchronous_commit=off",
        "-c", "full_page_writes=off",
        "-c", "max_connections=200",
      ],
      asUser,
    );
    const adminUrl = `postgres://${databaseUser}@127.0.0.1:${port}/postgres`;
    await context.waitUntilReady(() => selectOne(adminUrl), `SELECT 1 on postgres port ${port}`);
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${databaseName}`);
    } finally {
      await admin.end();
    }
    // SIGINT is postgres' "fast" shutdown: it does not wait for clients to disconnect.
    return { ports: [port], env: { HOPPER_TEST_POSTGRES_URL: `postgres://${databaseUser}@127.0.0.1:${port}/${databaseName}` }, stopSignal: "SIGINT" };
  },

  async probe(instance) {
    const url = instance.env.HOPPER_TEST_POSTGRES_URL;
    if (!url) throw new Error("no HOPPER_TEST_POSTGRES_URL recorded");
    await selectOne(url);
  },
};
