// Vitest global setup (root vitest.config.ts): starts the test services once
// per run, unless HOPPER_SERVICES=none, and exports their variables through
// process.env, which the forked test workers inherit. Services whose variables
// are already set (a real server, or `pnpm services up` + env) are left alone.
import { parseServiceNames } from "./service-registry.js";
import { stopServices, upServices } from "./services.js";
import { testServiceNames } from "./service-types.js";

export default async function setup(): Promise<() => Promise<void>> {
  const selection = process.env.HOPPER_SERVICES?.trim();
  if (selection === "none") return async () => {};
  const names = selection ? parseServiceNames(selection.split(",").map((name) => name.trim()).filter(Boolean)) : testServiceNames;
  const started = Date.now();
  const result = await upServices(names);
  Object.assign(process.env, result.env);

  const failures = result.services.flatMap((service) => (service.outcome === "failed" ? [service] : []));
  const summary = result.services
    .map((service) => (service.outcome === "started" ? `${service.name} ${service.instance.startMs} ms` : `${service.name} ${service.outcome}`))
    .join(", ");
  console.log(`[hopper] services ready in ${Date.now() - started} ms: ${summary}`);
  if (failures.length > 0) {
    const message = failures.map((failure) => failure.error.message).join("\n");
    if (process.env.CI === "true") {
      await stopServices();
      throw new Error(`[hopper] services failed to start (CI=true fails the run):\n${message}`);
    }
    console.warn(`\n[hopper] WARNING: some services failed to start; their tests will skip:\n${message}\n`);
  }
  return async () => {
    await stopServices();
  };
}
