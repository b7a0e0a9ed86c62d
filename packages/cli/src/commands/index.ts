import type { CliCommand } from "../command.js";
import { checkCommand } from "./check-command.js";
import { dashboardCommand } from "./dashboard-command.js";
import { deadLettersCommand } from "./dead-letters-command.js";
import { jobsCommand } from "./jobs-command.js";
import { moveCommand } from "./move-command.js";
import { queuesCommand } from "./queues-command.js";
import { schedulerCommand } from "./scheduler-command.js";
import { statsCommand } from "./stats-command.js";
import { workerCommand } from "./worker-command.js";

/** Every `hopper` command; a new one is a module here and one line in this list. */
export const commands: readonly CliCommand[] = [workerCommand, schedulerCommand, statsCommand, queuesCommand, deadLettersCommand, jobsCommand, dashboardCommand, checkCommand, moveCommand];
