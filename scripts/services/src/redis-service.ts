import { ServiceStartError } from "./service-errors.js";
import { findFreePort } from "./free-port.js";
import { findExecutable } from "./process-tools.js";
import { redisCommand } from "./redis-command.js";
import type { ServiceDefinition } from "./service-types.js";

export const redisInstallHint = "redis-server not found: apt-get install -y redis-server";

/** Common flags: loopback only, no persistence, files in the instance's temp dir. */
export function redisServerArgs(port: number, dataDir: string): string[] {
  return ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dataDir, "--daemonize", "no"];
}

export async function pingRedis(port: number): Promise<void> {
  const reply = await redisCommand(port, ["PING"]);
  if (!reply.startsWith("+PONG")) throw new Error(`unexpected PING reply ${JSON.stringify(reply)}`);
}

/** A single standalone redis-server. */
export const redisService: ServiceDefinition = {
  name: "redis",
  description: "redis-server, no persistence",
  externalVariables: ["HOPPER_TEST_REDIS_URL"],
  requiredVariables: ["HOPPER_TEST_REDIS_URL"],

  async checkPrerequisites() {
    if (!findExecutable("redis-server")) throw new ServiceStartError("redis", redisInstallHint);
  },

  async start(context) {
    const port = await findFreePort();
    context.spawn("redis-server", redisServerArgs(port, context.dataDir), { cwd: context.dataDir });
    await context.waitUntilReady(() => pingRedis(port), `redis-server PING on port ${port}`);
    return { ports: [port], env: { HOPPER_TEST_REDIS_URL: `redis://127.0.0.1:${port}` } };
  },

  async probe(instance) {
    await pingRedis(instance.ports[0] ?? 0);
  },
};
