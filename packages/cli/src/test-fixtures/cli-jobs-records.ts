// The jobs module of cli-jobs.ts, with job records on: a worker run from it writes the records the app reads.
export { RecordVisit, AlwaysFails } from "./cli-jobs.js";

export const hopperOptions = { records: {} };
