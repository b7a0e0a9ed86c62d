import type { CoordinationStore } from "@hopper/core";

/** How a test process (or a spawned fixture) builds a coordination store: a package's factory and its options, as JSON. */
export interface CoordinationStoreSource {
  /** e.g. "@hopper/redis" */
  readonly module: string;
  /** e.g. "createRedisCoordinationStore" */
  readonly factory: string;
  readonly options: Record<string, unknown>;
}

export async function loadCoordinationStore(source: CoordinationStoreSource): Promise<CoordinationStore> {
  const module = (await import(source.module)) as Record<string, (options: unknown) => CoordinationStore | Promise<CoordinationStore>>;
  const factory = module[source.factory];
  if (typeof factory !== "function") throw new Error(`${source.module} exports no ${source.factory}`);
  return factory(source.options);
}
