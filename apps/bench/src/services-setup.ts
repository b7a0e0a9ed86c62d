import { stopServices, upServices, type ServiceName } from "@hopper/services";
import type { BackendName, BenchOptions } from "./bench-options.js";
import type { Skip } from "./report/result-types.js";
import type { Servers } from "./targets.js";

export interface ServerSetup {
  readonly servers: Servers;
  /** Variables the children need (emulator hosts, credentials). */
  readonly env: Record<string, string>;
  /** Backends to run after fallbacks (pglite replaces postgres when no server). */
  readonly backends: BackendName[];
  readonly skipped: Skip[];
  /** How each server was found, for the results header. */
  readonly how: { backend: string; how: string }[];
  /** Stops what this run started (never a server it reused). */
  stop(): Promise<void>;
}

const serviceOf: Partial<Record<BackendName, ServiceName>> = { redis: "redis", postgres: "postgres", sqs: "sqs", pubsub: "pubsub" };

const fallbackHelp: Partial<Record<BackendName, string>> = {
  redis: "no embedded Redis exists; start one (apt-get install -y redis-server) or pass --redis-url",
  postgres: "benchmarked on embedded PGlite instead (pglite://memory)",
  sqs: "the local SQS server is already the npm emulator (fauxqs), so there is nothing to fall back to; pass --sqs-url for real SQS",
  pubsub: "the Pub/Sub emulator needs gcloud and Java; pass --pubsub-url for a real project",
};

export function sqsUrlFrom(env: Readonly<Record<string, string | undefined>>): string | undefined {
  const endpoint = env.HOPPER_TEST_SQS_ENDPOINT;
  if (!endpoint) return undefined;
  return `sqs://${env.AWS_REGION ?? "us-east-1"}/bench-?endpoint=${encodeURIComponent(endpoint)}&createQueues=true`;
}

/**
 * Finds a server for every server-backed backend: a flag URL, else a set
 * HOPPER_TEST_* variable, else a local service started (or reused) through
 * @hopper/services. A backend that gets none is skipped with the reason, or
 * replaced by its embedded stand-in.
 */
export async function setUpServers(options: BenchOptions, environment: NodeJS.ProcessEnv = process.env): Promise<ServerSetup> {
  const backends = [...options.backends];
  const skipped: Skip[] = [];
  const how: ServerSetup["how"] = [];
  const env: Record<string, string> = {};
  const urls: Record<string, string | undefined> = { ...options.urls };
  for (const backend of backends) if (urls[backend]) how.push({ backend, how: "given by flag" });

  const wanted = backends.flatMap((backend) => {
    const service = serviceOf[backend];
    return service && !urls[backend] ? [{ backend, service }] : [];
  });
  let startedAny = false;
  if (wanted.length > 0 && options.startServices) {
    const result = await upServices(wanted.map((entry) => entry.service), { environment });
    Object.assign(env, result.env);
    for (const outcome of result.services) {
      const backend = wanted.find((entry) => entry.service === outcome.name)!.backend;
      if (outcome.outcome === "failed") {
        how.push({ backend, how: `could not start: ${outcome.error.message.split("\n")[0]}` });
        continue;
      }
      startedAny ||= outcome.outcome === "started";
      how.push({ backend, how: outcome.outcome === "external" ? `from ${outcome.variables.join(", ")}` : `local service (${outcome.outcome})` });
    }
  } else if (wanted.length > 0) {
    for (const [name, value] of Object.entries(environment)) if (value !== undefined && (name.startsWith("HOPPER_TEST_") || name.startsWith("AWS_") || name === "PUBSUB_EMULATOR_HOST")) env[name] = value;
  }

  urls.redis ??= env.HOPPER_TEST_REDIS_URL;
  urls.postgres ??= env.HOPPER_TEST_POSTGRES_URL;
  urls.sqs ??= sqsUrlFrom(env);
  urls.pubsub ??= env.HOPPER_TEST_PUBSUB_PROJECT ? `pubsub://${env.HOPPER_TEST_PUBSUB_PROJECT}` : undefined;

  const runnable: BackendName[] = [];
  for (const backend of backends) {
    const service = serviceOf[backend];
    if (!service || urls[backend]) {
      runnable.push(backend);
      continue;
    }
    const reason = how.find((entry) => entry.backend === backend)?.how ?? (options.startServices ? "no server" : "--no-services and no URL or HOPPER_TEST_* variable");
    skipped.push({ what: backend, reason: `${reason}; ${fallbackHelp[backend]}` });
    if (backend === "postgres" && !backends.includes("pglite")) runnable.push("pglite");
  }
  if (!options.backendsGiven && !runnable.includes("pglite")) {
    skipped.push({ what: "pglite", reason: "not in the default run while a PostgreSQL server is there (add it with -b pglite); it would have no baselines or peers" });
  }
  return {
    servers: { redis: urls.redis, postgres: urls.postgres, sqs: urls.sqs, pubsub: urls.pubsub },
    env,
    backends: runnable,
    skipped,
    how,
    async stop() {
      if (startedAny) await stopServices();
    },
  };
}
