import { describe } from "vitest";
import { serviceRegistry } from "./service-registry.js";
import type { ServiceName } from "./service-types.js";

const warned = new Set<ServiceName>();

/** The variables a service publishes, or undefined when they are not all set. */
export function serviceVariables(name: ServiceName, environment: NodeJS.ProcessEnv = process.env): Record<string, string> | undefined {
  const variables: Record<string, string> = {};
  const { requiredVariables, externalVariables } = serviceRegistry[name];
  for (const variable of requiredVariables) {
    const value = environment[variable];
    if (!value) return undefined;
    variables[variable] = value;
  }
  for (const variable of externalVariables) {
    const value = environment[variable];
    if (value) variables[variable] = value;
  }
  return variables;
}

function missingMessage(name: ServiceName): string {
  const variables = serviceRegistry[name].requiredVariables.join(", ");
  return `[hopper] ${name} tests skipped: ${variables} not set. Start it with \`pnpm services up ${name}\` and \`eval "$(pnpm -s services env)"\`, or let vitest's global setup start it (unset HOPPER_SERVICES=none).`;
}

/**
 * Returns the service's variables. When they are missing: under CI=true it
 * throws (a CI run never skips silently); locally it warns once, loudly, and
 * returns undefined so the caller can skip.
 */
export function requireService(name: ServiceName): Record<string, string> | undefined {
  const variables = serviceVariables(name);
  if (variables) return variables;
  if (process.env.CI === "true") throw new Error(`${missingMessage(name).replace("tests skipped", "is required under CI=true")}`);
  if (!warned.has(name)) {
    warned.add(name);
    console.warn(missingMessage(name));
  }
  return undefined;
}

/** `describe` that runs only when `name` is available (see requireService for CI behaviour). */
export function describeWithService(name: ServiceName, body: (variables: Record<string, string>) => void): void {
  const variables = requireService(name);
  if (variables) describe(`with ${name}`, () => body(variables));
  else describe.skip(`with ${name} (not available)`, () => body({}));
}
