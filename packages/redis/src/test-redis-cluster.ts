// Test-only: moving one slot between masters of the services tool's cluster, step by step,
// the way `redis-cli --cluster reshard` does (SETSLOT IMPORTING/MIGRATING, MIGRATE, SETSLOT NODE).
import { Cluster, Redis } from "ioredis";

export interface ClusterNode {
  readonly host: string;
  readonly port: number;
}

export function parseClusterNodes(nodes: string): ClusterNode[] {
  return nodes.split(",").map((node) => {
    const [host, port] = node.split(":");
    return { host: host!, port: Number(port) };
  });
}

/** The master that serves `key`, as host:port, asked of the cluster itself. */
export async function clusterSlotOwner(client: Cluster, key: string): Promise<string> {
  const slot = (await client.cluster("KEYSLOT", key)) as number;
  const ranges = await client.cluster("SLOTS");
  const range = ranges.find(([first, last]) => slot >= first && slot <= last);
  const master = range?.[2];
  return master ? `${master[0]}:${master[1]}` : "unknown";
}

/** One slot on its way from its owner to another master; `finish()` completes it, also after a failed test. */
export class SlotMigration {
  private finished = false;

  private constructor(
    readonly slot: number,
    private readonly source: Redis,
    private readonly target: Redis,
    private readonly targetNode: ClusterNode,
    private readonly targetId: string,
    private readonly everyNode: readonly Redis[],
  ) {}

  /** Marks the slot of `key` MIGRATING on its owner and IMPORTING on another master. */
  static async begin(client: Cluster, nodes: readonly ClusterNode[], key: string): Promise<SlotMigration> {
    const slot = (await client.cluster("KEYSLOT", key)) as number;
    const owner = await clusterSlotOwner(client, key);
    const connections = nodes.map((node) => new Redis(node.port, node.host));
    const sourceIndex = nodes.findIndex((node) => `${node.host}:${node.port}` === owner);
    const targetIndex = (sourceIndex + 1) % nodes.length;
    const [source, target] = [connections[sourceIndex]!, connections[targetIndex]!];
    const [sourceId, targetId] = [String(await source.cluster("MYID")), String(await target.cluster("MYID"))];
    await target.cluster("SETSLOT", slot, "IMPORTING", sourceId);
    await source.cluster("SETSLOT", slot, "MIGRATING", targetId);
    return new SlotMigration(slot, source, target, nodes[targetIndex]!, targetId, connections);
  }

  /** Moves these keys (those that exist) to the target now. */
  async move(keys: readonly string[]): Promise<void> {
    const present: string[] = [];
    for (const key of keys) if ((await this.source.exists(key)) === 1) present.push(key);
    if (present.length > 0) await this.source.call("MIGRATE", this.targetNode.host, String(this.targetNode.port), "", "0", "10000", "KEYS", ...present);
  }

  /** Moves every key left in the slot and hands the slot to the target on every node. */
  async finish(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    try {
      for (;;) {
        const keys = (await this.source.cluster("GETKEYSINSLOT", this.slot, 100)) as string[];
        if (keys.length === 0) break;
        await this.move(keys);
      }
      await this.target.cluster("SETSLOT", this.slot, "NODE", this.targetId);
      await this.source.cluster("SETSLOT", this.slot, "NODE", this.targetId);
      for (const node of this.everyNode) if (node !== this.source && node !== this.target) await node.cluster("SETSLOT", this.slot, "NODE", this.targetId);
    } finally {
      for (const node of this.everyNode) node.disconnect();
    }
  }
}
