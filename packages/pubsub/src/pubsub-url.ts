import { ConfigurationError } from "@hopper/core";
import { checkUrlParameters, type Backend } from "@hopper/core/backend";
import { createPubSubBackend } from "./pubsub-backend.js";

/**
 * `pubsub://PROJECT?topicPrefix=…&createTopics=false&messageOrdering=true`.
 * The endpoint comes from the environment as for every Google client:
 * PUBSUB_EMULATOR_HOST selects the emulator, otherwise Application Default Credentials.
 */
export function createBackendFromUrl(url: URL): Backend {
  // Credentials in the URL would be ignored (the client reads Application Default Credentials): refused rather than silently unused.
  if (url.username || url.password) {
    throw new ConfigurationError({ field: "url", message: "a pubsub:// URL takes no credentials: use Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS, or the platform's service account), and the URL as pubsub://PROJECT" });
  }
  checkUrlParameters(url, ["topicPrefix", "createTopics", "messageOrdering"], url.protocol);
  const projectId = decodeURIComponent(url.hostname);
  if (!projectId) throw new ConfigurationError({ field: "url", message: "pubsub:// URLs name the project: pubsub://my-project" });
  const flag = (name: string): boolean | undefined => {
    const value = url.searchParams.get(name);
    if (value === null) return undefined;
    if (value === "true" || value === "false") return value === "true";
    throw new ConfigurationError({ field: `url ${name}`, message: `must be true or false, got ${JSON.stringify(value)}` });
  };
  const createTopics = flag("createTopics");
  const messageOrdering = flag("messageOrdering");
  const topicPrefix = url.searchParams.get("topicPrefix");
  return createPubSubBackend({
    projectId,
    ...(topicPrefix !== null && { topicPrefix }),
    ...(createTopics !== undefined && { createTopics }),
    ...(messageOrdering !== undefined && { messageOrdering }),
  });
}
