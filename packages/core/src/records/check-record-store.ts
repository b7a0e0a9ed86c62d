import { ConfigurationError } from "../errors/configuration-error.js";
import { RECORD_STORE_SPECIFICATION_VERSION, type RecordStore } from "./record-store.js";

export function checkRecordStore(store: RecordStore): RecordStore {
  if (store?.specificationVersion !== RECORD_STORE_SPECIFICATION_VERSION) {
    throw new ConfigurationError({
      field: "records.store",
      message: `the record store implements contract ${JSON.stringify(store?.specificationVersion)}, but this @hopper/core needs ${JSON.stringify(RECORD_STORE_SPECIFICATION_VERSION)}: pass a store such as createRedisRecordStore({ url }) from a matching adapter version`,
    });
  }
  return store;
}
