import { createHopper, type CoordinationStore, type Duration, type Hopper, type JobClass, type Logger } from "@hopper/core";
import type { Backend } from "@hopper/core/backend";

/** How the producer and every worker child reach one backend in one delivery mode. Plain data: it crosses to the children as JSON. */
export interface ReliabilityConnection {
  readonly url: string;
  /** Instead of the URL: an adapter factory and its options, for what a URL cannot name (a Pub/Sub dead-letter policy). */
  readonly backendFactory?: { readonly module: string; readonly name: string; readonly options: Record<string, unknown> };
  /** A Redis URL for the coordination store (unique jobs, concurrency limits) when the backend has no store of its own. */
  readonly coordinationUrl?: string;
}

export const connectionVariable = "RELIABILITY_CONNECTION";

/** `connectTimeout`: the producer's bound on an enqueue while the server is down (a short one turns an outage into rejected calls). */
export async function openReliabilityHopper(connection: ReliabilityConnection, jobs: readonly JobClass[], logger: Logger, options: { connectTimeout?: Duration } = {}): Promise<Hopper> {
  let backend: Backend | undefined;
  if (connection.backendFactory) {
    const module = (await import(connection.backendFactory.module)) as Record<string, (options: unknown) => Backend>;
    backend = module[connection.backendFactory.name]!(connection.backendFactory.options);
  }
  let coordination: CoordinationStore | undefined;
  if (connection.coordinationUrl) {
    const { createCoordinationStoreFromUrl } = await import("@hopper/redis");
    coordination = createCoordinationStoreFromUrl(new URL(connection.coordinationUrl));
  }
  return createHopper({ ...(backend ? { backend } : { url: connection.url }), jobs, logger, ...(coordination && { coordination }), ...(options.connectTimeout !== undefined && { connectTimeout: options.connectTimeout }) });
}
