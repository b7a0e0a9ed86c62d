import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);

/** The installed version of a package, found from its entry point (some packages do not export package.json). */
export function installedVersion(name: string): string {
  try {
    let directory = dirname(require.resolve(name));
    for (;;) {
      try {
        const manifest = JSON.parse(readFileSync(join(directory, "package.json"), "utf8")) as { name?: string; version?: string };
        if (manifest.name === name && manifest.version) return manifest.version;
      } catch {
        // no package.json at this level
      }
      const parent = dirname(directory);
      if (parent === directory) return "unknown";
      directory = parent;
    }
  } catch {
    return "not installed";
  }
}

export const reportedPackages = ["@hopper/core", "@hopper/redis", "@hopper/postgres", "@hopper/sqs", "@hopper/pubsub", "ioredis", "pg", "bullmq", "pg-boss", "graphile-worker", "@aws-sdk/client-sqs", "@google-cloud/pubsub"] as const;
