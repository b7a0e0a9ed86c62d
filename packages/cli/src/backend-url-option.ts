import { redactUrl } from "@hopper/core";
import { usageError } from "./cli-error.js";

const urls = "redis://localhost:6379 (or postgres://…, pglite://./data, sqs://…, pubsub://…, memory://)";
const example = `--url ${urls}`;
/** What to pass, for the flag or variable named `source`. */
const exampleFor = (source: string) => `${source === "HOPPER_URL" ? "--url" : source} ${urls}`;

/**
 * The backend URL from --url, else HOPPER_URL. Never a default: a worker
 * started without one would otherwise run on memory:// and never see a job.
 */
export function resolveBackendUrl(given: string | undefined, environment: NodeJS.ProcessEnv): string {
  const fromFlag = given !== undefined;
  const text = (given ?? environment.HOPPER_URL ?? "").trim();
  if (text === "") {
    throw usageError(`no backend URL: pass ${example} or set HOPPER_URL${fromFlag ? " (--url was empty)" : ""}`);
  }
  return checkBackendUrl(text, fromFlag ? "--url" : "HOPPER_URL");
}

/** `text` if it is a backend URL (scheme and "//"); a usage error naming `source` (the flag) otherwise. */
export function checkBackendUrl(given: string, source: string): string {
  const text = given.trim();
  if (text === "") throw usageError(`${source} is empty: pass ${exampleFor(source)}`);
  let url: URL;
  try {
    url = new URL(text);
  } catch (error) {
    throw usageError(`${source} ${redactUrl(text)} is not a URL: pass ${exampleFor(source)}${source === "--url" || source === "HOPPER_URL" ? ", on the command line or in HOPPER_URL" : ""}`, error);
  }
  // "localhost:6379" parses as a URL of scheme "localhost:": every backend URL has "//" after its scheme.
  if (!text.slice(url.protocol.length).startsWith("//")) throw usageError(`${source} ${redactUrl(text)} has no scheme: pass ${exampleFor(source)}`);
  return text;
}

/** memory:// queues live inside one process: another process sees them empty. */
export function isProcessLocalUrl(text: string): boolean {
  return text.startsWith("memory:");
}
