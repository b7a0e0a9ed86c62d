import type { SubjectSpec } from "../report/result-types.js";
import type { BenchSubject } from "./bench-subject.js";
import { withFillPreparation } from "./fill-preparation.js";

/** The subject `spec` names, with its backend's fill preparation (the same for every subject of that backend). */
export async function createSubject(spec: SubjectSpec): Promise<BenchSubject> {
  return withFillPreparation(await createLibrarySubject(spec), spec);
}

/** Loads only the library a subject needs, so a child's memory holds nothing else. */
async function createLibrarySubject(spec: SubjectSpec): Promise<BenchSubject> {
  switch (spec.library) {
    case "hopper":
      return (await import("./hopper-subject.js")).createHopperSubject(spec.connection);
    case "ioredis":
      return (await import("./redis-list-subject.js")).createRedisListSubject(spec.connection);
    case "bullmq":
      return (await import("./bullmq-subject.js")).createBullmqSubject(spec.connection, spec.variant, "redis");
    case "bullmq-postgres":
      return (await import("./bullmq-subject.js")).createBullmqSubject(spec.connection, spec.variant, "postgres");
    case "pg":
      return (await import("./postgres-skip-locked-subject.js")).createPostgresSkipLockedSubject(spec.connection);
    case "pg-boss":
      return (await import("./pg-boss-subject.js")).createPgBossSubject(spec.connection, spec.variant);
    case "graphile-worker":
      return (await import("./graphile-worker-subject.js")).createGraphileWorkerSubject(spec.connection, spec.variant);
    case "@aws-sdk/client-sqs":
      return (await import("./sqs-raw-subject.js")).createSqsRawSubject(spec.connection);
    case "@google-cloud/pubsub":
      return (await import("./pubsub-raw-subject.js")).createPubSubRawSubject(spec.connection);
    default:
      throw new Error(`no bench subject for library ${JSON.stringify(spec.library)}`);
  }
}
