import { redactUrl } from "@hopper/core";
import { usageError } from "./cli-error.js";

const example = "--url redis://localhost:6379 (or postgres://…, pglite://./data, sqs://…, pubsub://…, memory://)";

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
  const source = fromFlag ? "--url" : "HOPPER_URL";
  let url: URL;
  try {
    url = new URL(text);
  } catch (error) {
    throw usageError(`${source} ${redactUrl(text)} is not a URL: pass ${example}, on the command line or in HOPPER_URL`, error);
  }
  // "localhost:6379" parses as a URL of scheme "localhost:": every backend URL has "//" after its scheme.
  if (!text.slice(url.protocol.length).startsWith("//")) throw usageError(`${source} ${redactUrl(text)} has no scheme: pass ${example}`);
  return text;
}

/** memory:// queues live inside one process: another process sees them empty. */
export function isProcessLocalUrl(text: string): boolean {
  return text.startsWith("memory:");
}
