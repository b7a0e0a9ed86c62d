import type { BackendName } from "./bench-options.js";
import type { SubjectKind } from "./bench-plan.js";
import type { Skip, SubjectSpec } from "./report/result-types.js";
import { chosenVariants, variantsByLibrary } from "./subjects/peer-settings.js";

/** Where each server-backed backend lives for this run (a local service, a HOPPER_TEST_* variable or a flag). */
export interface Servers {
  readonly redis?: string;
  readonly postgres?: string;
  /** A Hopper SQS URL: sqs://REGION/PREFIX?endpoint=…&createQueues=true. */
  readonly sqs?: string;
  /** A Hopper Pub/Sub URL: pubsub://PROJECT (the emulator comes from PUBSUB_EMULATOR_HOST). */
  readonly pubsub?: string;
}

interface SubjectTemplate {
  readonly kind: SubjectKind;
  readonly library: string;
  readonly name: string;
  readonly description: string;
}

const hopper: SubjectTemplate = { kind: "hopper", library: "hopper", name: "hopper", description: "Hopper worker, no-op job" };

/** Per backend: Hopper, the raw-client baseline and the peers, and the connection each takes. */
const subjectsByBackend: Readonly<Record<BackendName, readonly SubjectTemplate[]>> = {
  memory: [hopper],
  redis: [
    hopper,
    { kind: "raw", library: "ioredis", name: "raw", description: "ioredis: LPUSH; LMOVE to a processing list + LREM ack, pipelined" },
    { kind: "peer", library: "bullmq", name: "bullmq", description: "BullMQ 6 Queue.add/addBulk + Worker (concurrency c)" },
  ],
  postgres: [
    hopper,
    { kind: "raw", library: "pg", name: "raw", description: "pg: INSERT; UPDATE … FOR UPDATE SKIP LOCKED lease claim + batched DELETE ack" },
    { kind: "peer", library: "pg-boss", name: "pg-boss", description: "pg-boss 12 send/insert + work (batch fetch, c handlers at once)" },
    { kind: "peer", library: "graphile-worker", name: "graphile-worker", description: "graphile-worker 0.18 addJob/add_jobs + run (local queue, batched completion)" },
    { kind: "peer", library: "bullmq-postgres", name: "bullmq-postgres", description: "BullMQ 6 on its PostgreSQL backend: Queue.add/addBulk + Worker (concurrency c)" },
  ],
  pglite: [hopper],
  sqs: [hopper, { kind: "raw", library: "@aws-sdk/client-sqs", name: "raw", description: "SendMessage(Batch); ReceiveMessage (long poll) + DeleteMessageBatch" }],
  pubsub: [hopper, { kind: "raw", library: "@google-cloud/pubsub", name: "raw", description: "publishMessage; streaming-pull subscriber that acks" }],
};

/** Backends that live inside one process: several worker processes cannot share their queue, so they have no scale-out run. */
export const inProcessBackends: readonly BackendName[] = ["memory", "pglite"];

/** Why a backend has no baseline or peers, stated in the results. */
const absentComparisons: Partial<Record<BackendName, string>> = {
  memory: "in-process reference backend: no server, so no raw client or peer to compare with",
  pglite: "embedded PGlite (one connection, in-process): no raw SKIP LOCKED baseline and no peers (pg-boss, graphile-worker and BullMQ's PostgreSQL backend need a PostgreSQL server)",
};

export function hopperUrl(backend: BackendName, servers: Servers): string | undefined {
  switch (backend) {
    case "memory":
      return "memory://bench";
    case "pglite":
      return "pglite://memory";
    default:
      return servers[backend];
  }
}

/** Subjects by name (`pg-boss`), for running one peer without the others (`-k hopper,pg-boss`). */
export const subjectNames: readonly string[] = [...new Set(Object.values(subjectsByBackend).flatMap((templates) => templates.map((template) => template.name)))];

/** A subject kind (every subject of it) or one subject's name. */
export type SubjectChoice = SubjectKind | (string & {});

/**
 * One spec per subject (of a kind chosen, or named); a peer gets its chosen settings variant, or with
 * `sweep` one spec per variant (ids like "postgres/pg-boss[batch=c]").
 */
export function subjectSpecs(
  backends: readonly BackendName[],
  kinds: readonly SubjectChoice[],
  servers: Servers,
  env: Readonly<Record<string, string>>,
  sweep = false,
): { specs: SubjectSpec[]; skipped: Skip[] } {
  const specs: SubjectSpec[] = [];
  const skipped: Skip[] = [];
  for (const backend of backends) {
    const url = hopperUrl(backend, servers);
    if (!url) continue; // the server setup already said why
    // In the order -k names them (a kind brings its subjects in the table's order), so runs can alternate who goes first.
    const templates = [...new Set(kinds.flatMap((choice) => subjectsByBackend[backend].filter((template) => template.kind === choice || template.name === choice)))];
    for (const template of templates) {
      const variants = variantsByLibrary[template.library];
      const chosen = chosenVariants[template.library];
      for (const variant of sweep && variants ? Object.keys(variants) : [chosen]) {
        specs.push({
          id: sweep && variant ? `${backend}/${template.name}[${variant}]` : `${backend}/${template.name}`,
          backend,
          kind: template.kind,
          library: template.library,
          ...(variant && { variant }),
          description: template.description,
          // Raw clients and peers take the same URL (SQS and Pub/Sub subjects read region, endpoint and project from it).
          connection: url,
          env: { ...env },
        });
      }
    }
    const absent = absentComparisons[backend];
    if (absent && kinds.some((kind) => kind !== "hopper")) skipped.push({ what: `${backend} baselines and peers`, reason: absent });
  }
  return { specs, skipped };
}
