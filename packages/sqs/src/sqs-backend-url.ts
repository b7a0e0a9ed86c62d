import { ConfigurationError } from "@hopper/core";
import { checkUrlParameters, type Backend } from "@hopper/core/backend";
import { createSqsBackend, type SqsBackendOptions } from "./sqs-backend.js";

const booleanParameters = ["createQueues", "fifo"] as const;
const knownParameters = ["endpoint", "maxDelaySeconds", "ackFlushMs", ...booleanParameters];

/**
 * `sqs://REGION/PREFIX?endpoint=http://127.0.0.1:9324&createQueues=true&fifo=true`.
 * The host is the region ("default" or empty: AWS_REGION); the path is the queue-name prefix.
 */
export function sqsOptionsFromUrl(url: URL): SqsBackendOptions {
  if (url.protocol !== "sqs:") throw new ConfigurationError({ field: "url", message: `${url.protocol}// is not an SQS URL: use sqs://REGION/PREFIX` });
  // Keys in the URL would be ignored (the SDK takes its credentials from the environment): refused rather than silently unused.
  if (url.username || url.password) {
    throw new ConfigurationError({ field: "url", message: "an sqs:// URL takes no credentials: give them as the AWS SDK reads them (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a profile, or the instance's role), and the URL as sqs://REGION/PREFIX" });
  }
  checkUrlParameters(url, knownParameters, url.protocol);
  const options: { -readonly [K in keyof SqsBackendOptions]: SqsBackendOptions[K] } = {};
  if (url.hostname && url.hostname !== "default") options.region = url.hostname;
  const prefix = decodeURIComponent(url.pathname.replace(/^\//, ""));
  if (prefix) options.queuePrefix = prefix;
  const endpoint = url.searchParams.get("endpoint");
  if (endpoint) options.endpoint = endpoint;
  for (const key of booleanParameters) {
    const value = url.searchParams.get(key);
    if (value === null) continue;
    if (value !== "true" && value !== "false") throw new ConfigurationError({ field: `url.${key}`, message: `must be true or false, got ${JSON.stringify(value)}` });
    options[key] = value === "true";
  }
  for (const key of ["maxDelaySeconds", "ackFlushMs"] as const) {
    const value = url.searchParams.get(key);
    if (value !== null) options[key] = Number(value);
  }
  return options;
}

/** Entry point for `createHopper({ url: "sqs://…" })`. */
export function createBackendFromUrl(url: URL): Backend {
  return createSqsBackend(sqsOptionsFromUrl(url));
}
