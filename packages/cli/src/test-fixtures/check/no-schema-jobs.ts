// Fault: a job without a schema (allowed only when named with --allow-unchecked).
import { Job } from "@hopper/core";

export { Welcome } from "./welcome-job.js";

export class Ping extends Job<{ at: string }> {
  async perform() {}
}
