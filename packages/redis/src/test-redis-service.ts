// Test-only: the Redis services from `pnpm services up` (scripts/services), read
// from the variables it exports. Locally a missing service skips loudly; under CI=true it fails.
const warned = new Set<string>();

export function serviceVariable(variable: "HOPPER_TEST_REDIS_URL" | "HOPPER_TEST_REDIS_CLUSTER_NODES", service: string): string | undefined {
  const value = process.env[variable];
  if (value) return value;
  const message = `[hopper] ${service} tests skipped: ${variable} not set. Start it with \`pnpm services up ${service}\` and \`eval "$(pnpm -s services env)"\`.`;
  if (process.env.CI === "true") throw new Error(message.replace("tests skipped", "is required under CI=true"));
  if (!warned.has(variable)) {
    warned.add(variable);
    console.warn(message);
  }
  return undefined;
}

export const redisUrl = serviceVariable("HOPPER_TEST_REDIS_URL", "redis");
