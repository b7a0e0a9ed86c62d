import { ConfigurationError } from "../errors/configuration-error.js";
import { COORDINATION_SPECIFICATION_VERSION, type CoordinationStore } from "./coordination-store.js";

export function checkCoordinationStore(store: CoordinationStore): CoordinationStore {
  if (store?.specificationVersion !== COORDINATION_SPECIFICATION_VERSION) {
    throw new ConfigurationError({
      field: "coordination",
      message: `the coordination store implements contract ${JSON.stringify(store?.specificationVersion)}, but this @hopper/core needs ${JSON.stringify(COORDINATION_SPECIFICATION_VERSION)}: pass a store such as createRedisCoordinationStore({ url }) from a matching adapter version`,
    });
  }
  return store;
}
