// Fault: the upgrade from version 1 keeps userId a number, which the schema refuses.
import { Welcome as Current } from "./welcome-job.js";

export class Welcome extends Current {
  static override upgrades = { 1: (old: { user_id: number; signedUpAt: Date }) => ({ userId: old.user_id, locale: "en", signedUpAt: old.signedUpAt }) };
}
