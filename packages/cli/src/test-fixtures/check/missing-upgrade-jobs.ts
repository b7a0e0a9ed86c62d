// Fault: version 3 without upgrades[2].
import { Welcome as Current } from "./welcome-job.js";

export class Welcome extends Current {
  static override version = 3;
}
