import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { realpathSync } from "node:fs";
import { PubSub } from "@google-cloud/pubsub";
import { ServiceStartError } from "./service-errors.js";
import { findFreePort } from "./free-port.js";
import { findExecutable } from "./process-tools.js";
import type { ServiceDefinition } from "./service-types.js";

export const pubsubProject = "hopper-test";
const gcloudHint =
  "install the Google Cloud CLI and its Pub/Sub emulator: apt-get install -y google-cloud-cli google-cloud-cli-pubsub-emulator " +
  "(from Google's apt repository), or `gcloud components install beta pubsub-emulator` for a tarball install; the emulator needs Java 17+";

/** The emulator component's directory, looked up next to the gcloud binary (apt and tarball layouts). */
function findEmulatorDir(gcloud: string): string | undefined {
  const sdkRoot = dirname(dirname(realpathSync(gcloud)));
  const candidate = join(sdkRoot, "platform", "pubsub-emulator");
  return existsSync(candidate) ? candidate : undefined;
}

async function listTopics(hostPort: string): Promise<void> {
  const pubsub = new PubSub({ projectId: pubsubProject, apiEndpoint: hostPort, emulatorMode: true });
  try {
    await pubsub.getTopics({ gaxOpts: { timeout: 2000, retry: null } });
  } finally {
    await pubsub.close();
  }
}

/** Google's Pub/Sub emulator (Java), started through `gcloud beta emulators pubsub start`. */
export const pubsubEmulatorService: ServiceDefinition = {
  name: "pubsub",
  description: "Google Cloud Pub/Sub emulator (gcloud beta emulators pubsub)",
  externalVariables: ["PUBSUB_EMULATOR_HOST", "HOPPER_TEST_PUBSUB_PROJECT"],
  requiredVariables: ["HOPPER_TEST_PUBSUB_PROJECT"],

  async checkPrerequisites() {
    const gcloud = findExecutable("gcloud");
    if (!gcloud) throw new ServiceStartError("pubsub", `gcloud not found: ${gcloudHint}`);
    if (!findEmulatorDir(gcloud)) throw new ServiceStartError("pubsub", `the gcloud pubsub-emulator component is missing: ${gcloudHint}`);
    if (!findExecutable("java")) throw new ServiceStartError("pubsub", "java not found: apt-get install -y openjdk-17-jre-headless");
  },

  async start(context) {
    const port = await findFreePort();
    const hostPort = `127.0.0.1:${port}`;
    context.spawn(
      "gcloud",
      ["beta", "emulators", "pubsub", "start", `--host-port=${hostPort}`, `--project=${pubsubProject}`, `--data-dir=${context.dataDir}`],
      { cwd: context.dataDir, env: { ...process.env, CLOUDSDK_CORE_DISABLE_PROMPTS: "1" }, logName: "pubsub-emulator" },
    );
    await context.waitUntilReady(() => listTopics(hostPort), `Pub/Sub emulator topic list on ${hostPort}`);
    return { ports: [port], env: { PUBSUB_EMULATOR_HOST: hostPort, HOPPER_TEST_PUBSUB_PROJECT: pubsubProject } };
  },

  async probe(instance) {
    const hostPort = instance.env.PUBSUB_EMULATOR_HOST;
    if (!hostPort) throw new Error("no PUBSUB_EMULATOR_HOST recorded");
    await listTopics(hostPort);
  },
};
