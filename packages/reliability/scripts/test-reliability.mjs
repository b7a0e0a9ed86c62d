// `pnpm test:reliability [--profile ci|full] [vitest arguments…]`: the profile
// becomes HOPPER_PROFILE (read by vitest.config.ts and src/reliability-settings.ts);
// everything else goes to vitest as given.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const args = process.argv.slice(2);
const env = { ...process.env };
const at = args.findIndex((arg) => arg === "--profile" || arg.startsWith("--profile="));
if (at !== -1) {
  const [flag] = args.splice(at, 1);
  const profile = flag.includes("=") ? flag.slice(flag.indexOf("=") + 1) : args.splice(at, 1)[0];
  if (profile !== "ci" && profile !== "full") {
    console.error(`--profile must be "ci" (the default, what CI runs) or "full" (bigger counts and longer loads, outside CI), got ${JSON.stringify(profile)}`);
    process.exit(2);
  }
  env.HOPPER_PROFILE = profile;
}
// vitest's own entry, run by this Node (as .ci/run does for the other majors).
const vitest = fileURLToPath(new URL("../../../node_modules/vitest/vitest.mjs", import.meta.url));
const config = fileURLToPath(new URL("../vitest.config.ts", import.meta.url));
const result = spawnSync(process.execPath, [vitest, "run", "--config", config, ...args], { stdio: "inherit", env });
process.exit(result.status ?? 1);
