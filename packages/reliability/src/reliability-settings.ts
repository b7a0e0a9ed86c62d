/**
 * Scale of the reliability scenarios. The defaults fit CI on a 2-core machine
 * in a few minutes; the full figures are one flag away:
 *   RELIABILITY_JOBS=10000       jobs per crash scenario (default: per backend)
 *   RELIABILITY_LOAD_SECONDS=60  sustained-load time per backend (default 15)
 *   RELIABILITY_BACKENDS=redis,postgres  run a subset
 */
export const reliabilitySettings = {
  jobs: optionalNumber("RELIABILITY_JOBS"),
  workers: optionalNumber("RELIABILITY_WORKERS") ?? 3,
  kills: optionalNumber("RELIABILITY_KILLS") ?? 10,
  loadSeconds: optionalNumber("RELIABILITY_LOAD_SECONDS") ?? 15,
  backends: process.env.RELIABILITY_BACKENDS?.split(",").map((name) => name.trim()),
};

export function selected(name: string): boolean {
  return reliabilitySettings.backends === undefined || reliabilitySettings.backends.includes(name);
}

function optionalNumber(variable: string): number | undefined {
  const text = process.env[variable];
  if (text === undefined || text === "") return undefined;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${variable} must be a non-negative integer, got ${JSON.stringify(text)}`);
  return value;
}
