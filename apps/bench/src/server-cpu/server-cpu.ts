import type { SubjectSpec } from "../report/result-types.js";
import { postgresServerCpu } from "./postgres-server-cpu.js";
import { redisServerCpu } from "./redis-server-cpu.js";
import { sqsEmulatorCpu } from "./sqs-emulator-cpu.js";

/** The CPU time a subject's server has used so far, read before and after a measurement. */
export interface ServerCpu {
  /** What was counted, for the report ("redis-server", "PostgreSQL server processes", "SQS emulator"). */
  readonly source: string;
  /** CPU time so far, µs. */
  read(): Promise<number>;
  close(): Promise<void>;
}

/**
 * The reader of a subject's server CPU: Redis by INFO (any server it can reach), a PostgreSQL server or the SQS
 * emulator of `@hopper/services` from /proc when they run on this machine. Undefined where it cannot be counted
 * (a remote PostgreSQL, a real SQS, the Pub/Sub emulator, an in-process backend); a reader that fails to open is
 * reported the same way, never failing the run.
 */
export async function openServerCpu(spec: SubjectSpec): Promise<ServerCpu | undefined> {
  try {
    return await openReader(spec);
  } catch {
    // A URL it cannot take apart, a machine without /proc: the figures are left out, the run goes on.
    return undefined;
  }
}

async function openReader(spec: SubjectSpec): Promise<ServerCpu | undefined> {
  switch (spec.backend) {
    case "redis": {
      const reader = redisServerCpu(spec.connection);
      try {
        await reader.read();
      } catch {
        await reader.close();
        return undefined;
      }
      return { source: "redis-server (INFO cpu)", ...reader };
    }
    case "postgres": {
      const read = await postgresServerCpu(spec.connection);
      return read && { source: "PostgreSQL server processes (/proc)", read: async () => read(), close: async () => {} };
    }
    case "sqs": {
      const read = sqsEmulatorCpu(spec.connection);
      return read && { source: "SQS emulator (/proc)", read: async () => read(), close: async () => {} };
    }
    default:
      return undefined;
  }
}
