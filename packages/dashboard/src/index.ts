export { createDashboard, type Dashboard, type DashboardOptions, type DashboardRequest, type DashboardRefusal } from "./dashboard.js";
export type { RedactArgs } from "./page-context.js";
export { defaultRedactArgs, REDACTED, type RedactRecordArgs } from "./redact-args.js";
