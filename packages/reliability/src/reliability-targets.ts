import { randomBytes } from "node:crypto";
import { requireService } from "@hopper/services";
import { startPostgresServer, startRedisServer, type RestartableServer } from "./reliability-servers.js";

/** A backend the scenarios run against: its URL, and a server the suite may crash when it has one. */
export interface ReliabilityBackend {
  readonly url: string;
  readonly server?: RestartableServer;
  /** Why the server is not restarted, when it is not. */
  readonly noRestart?: string;
  close(): Promise<void>;
}

export interface ReliabilityTarget {
  readonly name: string;
  /** Jobs in the crash scenario by default (RELIABILITY_JOBS overrides). */
  readonly crashJobs: number;
  /** Worker lease in the crash scenario: how soon a killed worker's jobs come back. */
  readonly lease: string;
  /** Jobs in the load scenario's calibration burst. */
  readonly loadCalibrationJobs: number;
  /** Undefined when the service is missing (a loud skip locally; CI fails in requireService). */
  open(options: { restartable: boolean }): Promise<ReliabilityBackend | undefined>;
}

const emulatorsForget = "the emulator keeps its queues in memory: a restart loses every message, which says nothing about the service it stands in for";

export const reliabilityTargets: readonly ReliabilityTarget[] = [
  {
    name: "redis",
    crashJobs: 10_000,
    loadCalibrationJobs: 5000,
    lease: "3s",
    async open({ restartable }) {
      if (!restartable) {
        const url = requireService("redis")?.HOPPER_TEST_REDIS_URL;
        return url ? { url, close: async () => {} } : undefined;
      }
      const server = await startRedisServer();
      return { url: server.url, server, close: () => server.dispose() };
    },
  },
  {
    name: "postgres",
    crashJobs: 10_000,
    loadCalibrationJobs: 5000,
    lease: "3s",
    async open({ restartable }) {
      if (!restartable) {
        const url = requireService("postgres")?.HOPPER_TEST_POSTGRES_URL;
        if (!url) return undefined;
        const schemaUrl = new URL(url);
        schemaUrl.searchParams.set("schema", `rel_${randomBytes(3).toString("hex")}`);
        return { url: schemaUrl.href, close: async () => {} };
      }
      const server = await startPostgresServer();
      return { url: server.url, server, close: () => server.dispose() };
    },
  },
  {
    name: "sqs",
    crashJobs: 10_000,
    loadCalibrationJobs: 2000,
    lease: "3s",
    async open() {
      const endpoint = requireService("sqs")?.HOPPER_TEST_SQS_ENDPOINT;
      if (!endpoint) return undefined;
      const prefix = `r${randomBytes(3).toString("hex")}-`;
      return { url: `sqs://${process.env.AWS_REGION ?? "us-east-1"}/${prefix}?endpoint=${encodeURIComponent(endpoint)}&createQueues=true`, noRestart: emulatorsForget, close: async () => {} };
    },
  },
  {
    name: "pubsub",
    crashJobs: 10_000,
    loadCalibrationJobs: 2000,
    // Pub/Sub's shortest ack deadline is 10 s; the worker raises a shorter lease to it.
    lease: "10s",
    async open() {
      const project = requireService("pubsub")?.HOPPER_TEST_PUBSUB_PROJECT;
      if (!project) return undefined;
      return { url: `pubsub://${project}?topicPrefix=r${randomBytes(3).toString("hex")}-`, noRestart: emulatorsForget, close: async () => {} };
    },
  },
];
