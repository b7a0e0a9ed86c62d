import { setTimeout as sleep } from "node:timers/promises";
import { Cluster, Redis } from "ioredis";
import { parseClusterNodes } from "./redis-cluster-backend.js";

/**
 * Moves the slot of one queue's keys to another master while workers receive, as
 * `redis-cli --cluster reshard` does: SETSLOT IMPORTING on the target, MIGRATING
 * on the source, then MIGRATE in the order that hurts (message hashes first, the
 * queue's indexes still on the source), held there for `holdMs` so scripts meet
 * ASK redirections and TRYAGAIN, then the rest and SETSLOT NODE everywhere.
 * Returns where the slot went.
 */
export async function migrateQueueSlot(nodesText: string, hashTag: string, holdMs: number): Promise<string> {
  const nodes = parseClusterNodes(nodesText);
  const cluster = new Cluster(nodes);
  const connections = nodes.map((node) => new Redis(node.port, node.host));
  try {
    const slot = (await cluster.cluster("KEYSLOT", hashTag)) as number;
    const ranges = await cluster.cluster("SLOTS");
    const owner = ranges.find(([first, last]) => slot >= first && slot <= last)?.[2];
    const sourceIndex = nodes.findIndex((node) => node.port === owner?.[1]);
    if (sourceIndex === -1) throw new Error(`slot ${slot} of ${hashTag} has no master among ${nodesText}`);
    const targetIndex = (sourceIndex + 1) % nodes.length;
    const [source, target, targetNode] = [connections[sourceIndex]!, connections[targetIndex]!, nodes[targetIndex]!];
    const [sourceId, targetId] = [String(await source.cluster("MYID")), String(await target.cluster("MYID"))];
    await target.cluster("SETSLOT", slot, "IMPORTING", sourceId);
    await source.cluster("SETSLOT", slot, "MIGRATING", targetId);
    const move = async (keys: string[]) => {
      if (keys.length > 0) await source.call("MIGRATE", targetNode.host, String(targetNode.port), "", "0", "10000", "KEYS", ...keys);
    };
    const keysLeft = async () => (await source.cluster("GETKEYSINSLOT", slot, 1000)) as string[];
    await move((await keysLeft()).filter((key) => key.includes("}:m:")));
    await sleep(holdMs);
    for (let keys = await keysLeft(); keys.length > 0; keys = await keysLeft()) await move(keys);
    for (const node of [target, source, ...connections.filter((connection) => connection !== source && connection !== target)]) await node.cluster("SETSLOT", slot, "NODE", targetId);
    return `${targetNode.host}:${targetNode.port}`;
  } finally {
    for (const connection of connections) connection.disconnect();
    cluster.disconnect();
  }
}
