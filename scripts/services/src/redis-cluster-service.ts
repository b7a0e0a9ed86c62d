import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { ServiceStartError } from "./service-errors.js";
import { findFreePort } from "./free-port.js";
import { findExecutable } from "./process-tools.js";
import { redisCommand } from "./redis-command.js";
import { pingRedis, redisInstallHint, redisServerArgs } from "./redis-service.js";
import type { ServiceDefinition } from "./service-types.js";

const execFileAsync = promisify(execFile);
const nodeCount = 3;

async function clusterStateOk(port: number): Promise<void> {
  const reply = await redisCommand(port, ["CLUSTER", "INFO"]);
  if (!reply.includes("cluster_state:ok")) throw new Error(`node ${port}: cluster_state not ok yet`);
}

/** Three masters (no replicas) joined by `redis-cli --cluster create`; for the Redis backend's cluster test. */
export const redisClusterService: ServiceDefinition = {
  name: "redis-cluster",
  description: "3-node Redis Cluster, no replicas, no persistence",
  externalVariables: ["HOPPER_TEST_REDIS_CLUSTER_NODES"],
  requiredVariables: ["HOPPER_TEST_REDIS_CLUSTER_NODES"],

  async checkPrerequisites() {
    if (!findExecutable("redis-server") || !findExecutable("redis-cli")) throw new ServiceStartError("redis-cluster", redisInstallHint);
  },

  async start(context) {
    // Each node needs a client port and a cluster-bus port; take all six from the OS.
    const ports: number[] = [];
    const busPorts: number[] = [];
    while (ports.length < nodeCount) {
      const [port, busPort] = [await findFreePort(), await findFreePort()];
      if (port === busPort || ports.includes(port) || busPorts.includes(busPort) || ports.includes(busPort)) continue;
      ports.push(port);
      busPorts.push(busPort);
    }
    ports.forEach((port, index) => {
      context.spawn(
        "redis-server",
        [
          ...redisServerArgs(port, context.dataDir),
          "--cluster-enabled", "yes",
          "--cluster-port", String(busPorts[index]),
          "--cluster-config-file", join(context.dataDir, `nodes-${port}.conf`),
          "--cluster-node-timeout", "5000",
        ],
        { cwd: context.dataDir, logName: `redis-server-${port}` },
      );
    });
    await context.waitUntilReady(() => Promise.all(ports.map((port) => pingRedis(port))), `redis-server PING on ports ${ports.join(", ")}`);
    try {
      await execFileAsync(
        "redis-cli",
        ["--cluster", "create", ...ports.map((port) => `127.0.0.1:${port}`), "--cluster-replicas", "0", "--cluster-yes"],
        { timeout: 15_000 },
      );
    } catch (error) {
      const output = error as { stdout?: string; stderr?: string };
      throw new ServiceStartError("redis-cluster", `redis-cli --cluster create failed:\n${output.stdout ?? ""}${output.stderr ?? ""}`, { cause: error });
    }
    await context.waitUntilReady(() => Promise.all(ports.map((port) => clusterStateOk(port))), "cluster_state:ok on every node");
    return { ports, env: { HOPPER_TEST_REDIS_CLUSTER_NODES: ports.map((port) => `127.0.0.1:${port}`).join(",") } };
  },

  async probe(instance) {
    await Promise.all(instance.ports.map((port) => clusterStateOk(port)));
  },
};
