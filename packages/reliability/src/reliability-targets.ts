import { randomBytes } from "node:crypto";
import { requireService } from "@hopper/services";
import type { ReliabilityConnection } from "./reliability-hopper.js";
import { fileURLToPath } from "node:url";
import { migrateQueueSlot } from "./slot-migration.js";
import { startPostgresServer, startRedisServer, type RestartableServer } from "./reliability-servers.js";

/** A backend the scenarios run against: how to reach it, and a server the suite may crash when it has one. */
export interface ReliabilityBackend {
  readonly url: string;
  readonly connection: ReliabilityConnection;
  readonly server?: RestartableServer;
  /** Why the server is not restarted, when it is not. */
  readonly noRestart?: string;
  /** Without a server to crash, a fault of the mode's own landed mid-batch (a slot migration). */
  readonly midBatchFault?: (queue: string) => Promise<void>;
  close(): Promise<void>;
}

export interface ReliabilityTarget {
  /** Backend and delivery mode, as the report names it. */
  readonly name: string;
  /** Jobs in the crash scenario per profile (RELIABILITY_JOBS overrides). */
  readonly crashJobs: { readonly ci: number; readonly full: number };
  /** Worker lease in the crash scenario: how soon a killed worker's jobs come back. */
  readonly lease: string;
  readonly leaseMs: number;
  /** Jobs in the load scenario's calibration burst; undefined: the mode has no load run (the plain mode of its backend has). */
  readonly loadCalibrationJobs?: number;
  /**
   * Why two runs of one job never overlap in this mode, when they never do: then the
   * suite asserts at most one at a time for every job. Undefined: the transport may
   * hand out a message that is still out, and the count is reported, not asserted.
   */
  readonly exclusiveRuns?: string;
  /** Profiles that run this mode; default both. */
  readonly profiles?: readonly ("ci" | "full")[];
  /**
   * Why runs that start after an earlier completion's ack resolved (the backend took the ack,
   * then delivered the job again) are set aside from the bounded duplicates, when they are.
   */
  readonly redeliversAckedMessages?: string;
  /** Why duplicate runs are reported, not held to the bound, when they are not. */
  readonly unboundedDuplicates?: string;
  /** Undefined when the service is missing (a loud skip locally; CI fails in requireService). */
  open(options: { restartable: boolean }): Promise<ReliabilityBackend | undefined>;
}

/**
 * The crash run's worker lease. Long enough that a loaded 2-core machine's stalls
 * (an extension is due every half lease) do not lose leases, which would be
 * overlapping runs and "lease lost" lines nobody caused; short enough that a
 * SIGKILLed worker's jobs come back within the run.
 */
const crashLease = "5s";
const crashLeaseMs = 5000;
const emulatorsForget = "the emulator keeps its queues in memory: a restart loses every message, which says nothing about the service it stands in for";
const leasedUntilAcked = "a message is leased to one worker until acked or its lease runs out; the worker extends the lease while the job runs and aborts the job once an extension reports it lost";

/** The shared Redis service as the coordination store of backends that have none (unique jobs, concurrency limits). */
function sharedCoordinationUrl(): string | undefined {
  return requireService("redis")?.HOPPER_TEST_REDIS_URL;
}

function sqsTarget(name: string, fifo: boolean, exclusiveRuns: string | undefined, loadCalibrationJobs: number | undefined): ReliabilityTarget {
  return {
    name,
    crashJobs: { ci: 1000, full: 10_000 },
    lease: crashLease,
    leaseMs: crashLeaseMs,
    ...(loadCalibrationJobs !== undefined && { loadCalibrationJobs }),
    ...(exclusiveRuns !== undefined && { exclusiveRuns }),
    async open() {
      const endpoint = requireService("sqs")?.HOPPER_TEST_SQS_ENDPOINT;
      const coordinationUrl = sharedCoordinationUrl();
      if (!endpoint || !coordinationUrl) return undefined;
      const prefix = `r${randomBytes(3).toString("hex")}-`;
      const url = `sqs://${process.env.AWS_REGION ?? "us-east-1"}/${prefix}?endpoint=${encodeURIComponent(endpoint)}&createQueues=true${fifo ? "&fifo=true" : ""}`;
      return { url, connection: { url, coordinationUrl }, noRestart: emulatorsForget, close: async () => {} };
    },
  };
}

function pubsubTarget(name: string, modeOptions: Record<string, unknown> | undefined, loadCalibrationJobs: number | undefined): ReliabilityTarget {
  return {
    name,
    crashJobs: { ci: 500, full: 5000 },
    // Pub/Sub's shortest ack deadline is 10 s; the worker raises a shorter lease to it.
    lease: "10s",
    leaseMs: 10_000,
    ...(loadCalibrationJobs !== undefined && { loadCalibrationJobs }),
    async open() {
      const project = requireService("pubsub")?.HOPPER_TEST_PUBSUB_PROJECT;
      const coordinationUrl = sharedCoordinationUrl();
      if (!project || !coordinationUrl) return undefined;
      const topicPrefix = `r${randomBytes(3).toString("hex")}-`;
      const url = `pubsub://${project}?topicPrefix=${topicPrefix}`;
      const connection: ReliabilityConnection = modeOptions
        ? { url, coordinationUrl, backendFactory: { module: "@hopper/pubsub", name: "createPubSubBackend", options: { projectId: project, topicPrefix, ...modeOptions } } }
        : { url, coordinationUrl };
      return { url, connection, noRestart: emulatorsForget, close: async () => {} };
    },
  };
}

export const reliabilityTargets: readonly ReliabilityTarget[] = [
  {
    name: "redis",
    crashJobs: { ci: 2000, full: 10_000 },
    loadCalibrationJobs: 5000,
    lease: crashLease,
    leaseMs: crashLeaseMs,
    exclusiveRuns: leasedUntilAcked,
    async open({ restartable }) {
      if (!restartable) {
        const url = requireService("redis")?.HOPPER_TEST_REDIS_URL;
        return url ? { url, connection: { url }, close: async () => {} } : undefined;
      }
      const server = await startRedisServer();
      return { url: server.url, connection: { url: server.url }, server, close: () => server.dispose() };
    },
  },
  {
    name: "postgres",
    crashJobs: { ci: 2000, full: 10_000 },
    loadCalibrationJobs: 5000,
    lease: crashLease,
    leaseMs: crashLeaseMs,
    exclusiveRuns: leasedUntilAcked,
    async open({ restartable }) {
      if (!restartable) {
        const url = requireService("postgres")?.HOPPER_TEST_POSTGRES_URL;
        if (!url) return undefined;
        const schemaUrl = new URL(url);
        schemaUrl.searchParams.set("schema", `rel_${randomBytes(3).toString("hex")}`);
        return { url: schemaUrl.href, connection: { url: schemaUrl.href }, close: async () => {} };
      }
      const server = await startPostgresServer();
      return { url: server.url, connection: { url: server.url }, server, close: () => server.dispose() };
    },
  },
  {
    name: "redis-cluster",
    crashJobs: { ci: 1500, full: 10_000 },
    lease: crashLease,
    leaseMs: crashLeaseMs,
    exclusiveRuns: leasedUntilAcked,
    async open() {
      const nodes = requireService("redis-cluster")?.HOPPER_TEST_REDIS_CLUSTER_NODES;
      const coordinationUrl = sharedCoordinationUrl();
      if (!nodes || !coordinationUrl) return undefined;
      const module = fileURLToPath(new URL("./redis-cluster-backend.ts", import.meta.url));
      return {
        url: "redis-cluster",
        connection: { url: "redis-cluster", coordinationUrl, backendFactory: { module, name: "createReliabilityClusterBackend", options: { nodes } } },
        noRestart: "the shared cluster is not crashed (other tests use it); its queue's slot is migrated to another master instead",
        // The backend's default key prefix: every key of a queue shares the hash tag {hopper:<queue>}.
        midBatchFault: (queue) => migrateQueueSlot(nodes, `{hopper:${queue}}`, 1500).then(() => undefined),
        close: async () => {},
      };
    },
  },
  sqsTarget("sqs", false, undefined, 2000),
  sqsTarget("sqs-fifo", true, "a received message stays invisible until deleted or its visibility timeout ends (the worker extends it while the job runs and aborts the job once an extension reports it lost), and FIFO queues do not deliver a second copy of a message, as standard queues may", undefined),
  pubsubTarget("pubsub", undefined, 2000),
  // Ordering keys on a share of the jobs.
  {
    ...pubsubTarget("pubsub-ordered", { messageOrdering: true }, undefined),
    redeliversAckedMessages:
      "on a subscription with message ordering the emulator delivers acked messages again, keyless ones included (5 runs on 2026-12-03: 18 to 438 duplicate runs of 500 jobs; in the one run that counted them, 206 runs started after an ack of the same job had resolved, for 204 duplicate runs; 0 duplicates on the same emulator without ordering). The emulator treats keyless messages as one ordering key: when one's deadline expires (a SIGKILLed worker's), every later keyless message comes back, acked ones included (apps/bench/src/probe/pubsub-emulator-ordering.ts, benchmarks/results/pubsub-emulator-ordering-2026-12-05-probes/out.txt: 24 of 30). Pub/Sub documents redelivering acked messages only within one ordering key",
  },
  // Pub/Sub's own dead-letter policy, which makes Pub/Sub count deliveries (retries then nack instead of republishing).
  pubsubTarget("pubsub-dlq", { deadLetter: { maxDeliveryAttempts: 10 } }, undefined),
  {
    // Both at once: only in the full profile, its duplicates reported (see unboundedDuplicates).
    ...pubsubTarget("pubsub-ordered-dlq", { messageOrdering: true, deadLetter: { maxDeliveryAttempts: 10 } }, undefined),
    profiles: ["full"],
    unboundedDuplicates:
      "with ordering and a dead-letter policy together, the emulator redelivered already-acked messages of every kind (1404 and 1440 duplicate runs of 1000 jobs in two runs, keyless jobs included; 0 to 1 with either alone): Pub/Sub redelivers a key's later messages after a nack, and retries and holds nack once deliveries are counted; the emulator treats keyless messages as one key when a deadline expires (benchmarks/results/pubsub-emulator-ordering-2026-12-05-probes/out.txt); a nack alone brought no acked message back there",
  },
];
