import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { ListQueuesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { findFreePort } from "./free-port.js";
import type { ServiceDefinition } from "./service-types.js";

// From source (tsx, vitest) the child runs the .ts entry through tsx; from dist, the built .js.
const fromSource = import.meta.url.endsWith(".ts");
const mainFile = fileURLToPath(new URL(fromSource ? "./sqs-emulator-main.ts" : "./sqs-emulator-main.js", import.meta.url));
const require = createRequire(import.meta.url);

/** Node flags for the child; the tsx loader is resolved from this package, not from the child's cwd. */
function childNodeArgs(): string[] {
  return fromSource ? ["--no-deprecation", "--import", pathToFileURL(require.resolve("tsx")).href] : ["--no-deprecation"];
}

export const sqsCredentials = { AWS_REGION: "us-east-1", AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test" };

async function listQueues(endpoint: string): Promise<void> {
  const sqs = new SQSClient({
    endpoint,
    region: sqsCredentials.AWS_REGION,
    credentials: { accessKeyId: sqsCredentials.AWS_ACCESS_KEY_ID, secretAccessKey: sqsCredentials.AWS_SECRET_ACCESS_KEY },
    maxAttempts: 1,
  });
  try {
    await sqs.send(new ListQueuesCommand({}), { abortSignal: AbortSignal.timeout(2000) });
  } finally {
    sqs.destroy();
  }
}

/** fauxqs (npm) in its own node process, so `down` can stop it by pid. */
export const sqsEmulatorService: ServiceDefinition = {
  name: "sqs",
  description: "SQS emulator (fauxqs, npm) in a child node process",
  externalVariables: ["HOPPER_TEST_SQS_ENDPOINT"],
  requiredVariables: ["HOPPER_TEST_SQS_ENDPOINT"],

  async checkPrerequisites() {
    // npm dependencies only: installed by `pnpm install`.
  },

  async start(context) {
    const port = await findFreePort();
    context.spawn(process.execPath, [...childNodeArgs(), mainFile, String(port)], {
      cwd: context.dataDir,
      logName: "sqs-emulator",
      match: "sqs-emulator-main",
    });
    const endpoint = `http://127.0.0.1:${port}`;
    await context.waitUntilReady(() => listQueues(endpoint), `SQS ListQueues on ${endpoint}`);
    return { ports: [port], env: { HOPPER_TEST_SQS_ENDPOINT: endpoint, ...sqsCredentials } };
  },

  async probe(instance) {
    const endpoint = instance.env.HOPPER_TEST_SQS_ENDPOINT;
    if (!endpoint) throw new Error("no HOPPER_TEST_SQS_ENDPOINT recorded");
    await listQueues(endpoint);
  },
};
