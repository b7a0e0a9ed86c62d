import { createServer } from "node:http";
import type { Command } from "commander";
import { redactUrl } from "@hopper/core";
import { secretMatches } from "@hopper/core/backend";
import { createDashboard, type DashboardRequest } from "@hopper/dashboard";
import type { ActionFactory, CliCommand } from "../command.js";
import { CliError, usageError } from "../cli-error.js";
import { ExitCode } from "../exit-codes.js";
import { loadJobsModule } from "../jobs-module.js";
import { parseListenHost, parsePort } from "../option-parsers.js";
import { untilStopSignal } from "../stop-signals.js";
import { registerSchedules } from "./scheduler-command.js";

export const DASHBOARD_TOKEN_VARIABLE = "HOPPER_DASHBOARD_TOKEN";

/** `hopper dashboard`: the web dashboard on its own HTTP server, until SIGTERM or SIGINT. */
export const dashboardCommand: CliCommand = {
  register(program: Command, action: ActionFactory) {
    program
      .command("dashboard")
      .description(`serve the web dashboard (queues, jobs, dead letters, workers); sign in with the token in ${DASHBOARD_TOKEN_VARIABLE} as the password (any user name) or as a Bearer token`)
      .requiredOption("--jobs <module>", "module whose exports are the job classes (their queues are the ones shown) and, optionally, schedules(hopper)")
      .option("--port <port>", "port to listen on (0: any free one)", parsePort, 4100)
      .option("--host <host>", "address to listen on", parseListenHost, "127.0.0.1")
      .option("--base-path <path>", "serve under this path, e.g. /hopper behind a proxy", "")
      .option("--read-only", "show everything, allow no action")
      .option("--allow-unauthenticated", `serve without ${DASHBOARD_TOKEN_VARIABLE}: anyone who reaches the port can pause queues and retry or cancel jobs`)
      .addHelpText("after", `\nExample:\n  $ ${DASHBOARD_TOKEN_VARIABLE}=$(openssl rand -hex 24) hopper dashboard --url redis://localhost:6379 --jobs ./dist/jobs.js --port 4100`)
      .action(
        action(async (context, options) => {
          const token = context.io.environment[DASHBOARD_TOKEN_VARIABLE];
          const open = options.allowUnauthenticated === true;
          if (!token && !open) throw usageError(`set ${DASHBOARD_TOKEN_VARIABLE} (a long random secret: the dashboard's password), or pass --allow-unauthenticated for a dashboard only trusted people can reach`);
          if (token && token.length < 16) throw usageError(`${DASHBOARD_TOKEN_VARIABLE} is too short to be a password: use at least 16 random characters (openssl rand -hex 24)`);
          const url = context.url();
          const module = await loadJobsModule(options.jobs as string, context.io.cwd);
          const hopper = context.openHopper(module);
          const stop = untilStopSignal();
          try {
            // The module's recurring jobs, for the Schedules page (this process enqueues none of them).
            if (module.schedules) await registerSchedules(hopper, module.schedules);
            const dashboard = createDashboard({
              hopper,
              ...(token ? { authorize: (request: DashboardRequest) => presentedToken(request) === null ? { status: 401, headers: { "www-authenticate": 'Basic realm="Hopper dashboard", charset="UTF-8"' } } : secretMatches(presentedToken(request), token) } : { allowUnauthenticated: true }),
              readOnly: options.readOnly === true,
              basePath: options.basePath as string,
              logger: context.logger,
            });
            const server = createServer((request, response) => void dashboard(request, response));
            await new Promise<void>((resolve, reject) => {
              server.once("error", (error) => reject(listenFailure(error, options.host as string, options.port as number)));
              server.listen(options.port as number, options.host as string, resolve);
            });
            const address = server.address();
            const port = typeof address === "object" && address ? address.port : options.port;
            const host = (options.host as string).includes(":") ? `[${options.host as string}]` : (options.host as string);
            context.print(`dashboard on http://${host}:${port}${options.basePath as string}/ for ${redactUrl(url)}`, { url: `http://${host}:${port}${options.basePath as string}/`, port });
            await stop.promise;
            const closed = new Promise<void>((resolve) => server.close(() => resolve()));
            // Open pages keep connections alive; they must not hold the exit.
            server.closeAllConnections();
            await closed;
            return ExitCode.ok;
          } finally {
            stop.dispose();
            await hopper.close();
          }
        }),
      );
  },
};

/** The token of `Authorization: Bearer <token>` or the password of `Basic`, or null when none was sent. */
function presentedToken(request: DashboardRequest): string | null {
  const header = request.header("authorization");
  if (!header) return null;
  const [scheme, value = ""] = header.trim().split(/\s+/, 2);
  if (scheme?.toLowerCase() === "bearer") return value;
  if (scheme?.toLowerCase() !== "basic") return null;
  const decoded = Buffer.from(value, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  return colon < 0 ? null : decoded.slice(colon + 1);
}

/** Why the dashboard cannot listen, in the words of the flag to change. */
function listenFailure(error: NodeJS.ErrnoException, host: string, port: number): CliError {
  switch (error.code) {
    case "ENOTFOUND":
    case "EAI_AGAIN":
    case "EAI_FAIL":
      return usageError(`--host ${host} is neither an address nor a name this machine resolves (${error.code}): give one of this machine's addresses, such as 127.0.0.1 or 0.0.0.0`);
    case "EADDRNOTAVAIL":
      return usageError(`--host ${host} is not an address of this machine: give one of its own, such as 127.0.0.1 or 0.0.0.0`);
    case "EADDRINUSE":
      return new CliError(`--port ${port} on ${host} is in use by another process: choose another port (0: any free one)`, ExitCode.failure);
    case "EACCES":
      return new CliError(`--port ${port} on ${host} needs privileges this process lacks: choose a port above 1023`, ExitCode.failure);
    default:
      return new CliError(`cannot listen on --host ${host} --port ${port}: ${error.message}`, ExitCode.failure);
  }
}
