// `pnpm services up|down|status|env [names…]`: see README.md.
import { serviceRegistry, parseServiceNames } from "./service-registry.js";
import { liveInstances, serviceEnv, stopServices, upServices } from "./services.js";
import { defaultServiceNames, serviceNames, type ServiceOwner } from "./service-types.js";

const cliOwner: ServiceOwner = { kind: "cli", pid: process.pid };
const usage = `usage: pnpm services <up|down|status|env> [${serviceNames.join("|")}…]
  up      start services (default: ${defaultServiceNames.join(", ")}); reuses live ones
  down    stop what \`up\` started, and anything left by a dead test run
  status  show recorded services and whether they answer
  env     print export lines: eval "$(pnpm -s services env)"`;

const shellQuote = (value: string) => (/^[\w@%+=:,./-]*$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`);

async function up(names: string[]): Promise<number> {
  const started = Date.now();
  const result = await upServices(names.length > 0 ? parseServiceNames(names) : defaultServiceNames, { owner: cliOwner });
  for (const service of result.services) {
    if (service.outcome === "started") console.error(`started  ${service.name.padEnd(13)} ${service.instance.ports.join(",").padEnd(18)} in ${service.instance.startMs} ms`);
    if (service.outcome === "reused") console.error(`running  ${service.name.padEnd(13)} ${service.instance.ports.join(",")}`);
    if (service.outcome === "external") console.error(`external ${service.name.padEnd(13)} ${service.variables.join(", ")} already set: not started`);
    if (service.outcome === "failed") console.error(`FAILED   ${service.name.padEnd(13)} ${service.error.message}`);
  }
  console.error(`ready in ${Date.now() - started} ms; load the variables with: eval "$(pnpm -s services env)"`);
  return result.services.some((service) => service.outcome === "failed") ? 1 : 0;
}

async function down(names: string[]): Promise<number> {
  const stopped = await stopServices({ owner: cliOwner, ...(names.length > 0 ? { names: parseServiceNames(names) } : {}) });
  for (const instance of stopped) console.error(`stopped  ${instance.name.padEnd(13)} pid ${instance.processes.map((process_) => process_.pid).join(",")}`);
  if (stopped.length === 0) console.error("nothing to stop");
  for (const instance of liveInstances()) {
    console.error(`left     ${instance.name.padEnd(13)} owned by running process ${instance.owner.pid}`);
  }
  return 0;
}

async function status(): Promise<number> {
  const instances = liveInstances();
  for (const name of serviceNames) {
    const definition = serviceRegistry[name];
    const external = definition.externalVariables.filter((variable) => process.env[variable]);
    const running = instances.filter((instance) => instance.name === name);
    if (running.length === 0) console.log(`${name.padEnd(13)} ${external.length > 0 ? `external (${external.join(", ")} set)` : "stopped"}`);
    for (const instance of running) {
      const answer = await definition.probe(instance).then(
        () => "answers",
        (error: Error) => `NOT ANSWERING (${error.message})`,
      );
      const owner = instance.owner.kind === "cli" ? "cli" : `process ${instance.owner.pid}`;
      console.log(
        `${name.padEnd(13)} ${answer}  pid ${instance.processes.map((process_) => process_.pid).join(",")}  port ${instance.ports.join(",")}  owner ${owner}  started in ${instance.startMs} ms  dir ${instance.dataDir}`,
      );
    }
  }
  return 0;
}

function env(): number {
  for (const [name, value] of Object.entries(serviceEnv())) console.log(`export ${name}=${shellQuote(value)}`);
  return 0;
}

// `pnpm -s services env | head` closes the pipe early; that is not an error.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code !== "EPIPE") throw error;
});

const [verb, ...names] = process.argv.slice(2);
const verbs: Record<string, (names: string[]) => number | Promise<number>> = { up, down, status, env };
const run = verb ? verbs[verb] : undefined;
if (!run) {
  console.error(usage);
  process.exit(verb === "help" || verb === "--help" ? 0 : 2);
}
try {
  process.exitCode = await run(names);
} catch (error) {
  console.error((error as Error).message);
  process.exitCode = 1;
}
