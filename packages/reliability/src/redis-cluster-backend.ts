// The Redis Cluster mode's backend, built in each process from plain options (a
// Cluster client cannot cross to a child as JSON): see ReliabilityConnection.backendFactory.
import type { Backend } from "@hopper/core/backend";
import { createRedisBackend } from "@hopper/redis";
import { Cluster } from "ioredis";

export function parseClusterNodes(nodes: string): { host: string; port: number }[] {
  return nodes.split(",").map((node) => {
    const [host, port] = node.split(":");
    return { host: host!, port: Number(port) };
  });
}

/** `nodes`: "host:port,host:port,…" of the cluster's masters. The backend never closes a given client: this one dies with its process. */
export function createReliabilityClusterBackend(options: { nodes: string }): Backend {
  // TRYAGAIN (a multi-key script while its slot migrates) is retried by ioredis after 50 ms.
  return createRedisBackend({ client: new Cluster(parseClusterNodes(options.nodes), { retryDelayOnTryAgain: 50 }) });
}
