import { ConfigurationError } from "../errors/configuration-error.js";
import { progressJson } from "./record-values.js";

/** `ctx.progress` where no record is kept: bad values are still refused, and a job run by a worker says records are off. */
export async function progressOutsideRecords(value: unknown, where: "worker" | "performNow" = "worker"): Promise<void> {
  progressJson(value);
  if (where === "worker") throw new ConfigurationError({ field: "records", message: "ctx.progress needs job records: turn them on with createHopper({ records: {} }) (SQS and Pub/Sub also need records: { store })" });
}
