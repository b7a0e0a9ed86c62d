// Fault: the upgrade from version 1 throws.
import { Welcome as Current } from "./welcome-job.js";

export class Welcome extends Current {
  static override upgrades = {
    1: () => {
      throw new Error("user_id lookup needs the database");
    },
  };
}
