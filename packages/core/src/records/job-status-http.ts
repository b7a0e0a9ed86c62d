import type { IncomingMessage, ServerResponse } from "node:http";
import { pushAnswer, toFetchHandler, toNodeHandler, type PushHttpAnswer } from "../backend/push-http.js";
import { ConfigurationError } from "../errors/configuration-error.js";
import { loggerOption, ThrottledLog, type Logger } from "../logger.js";
import { FINISHED_STATES } from "./record-store.js";
import type { JobRecord, JobRecords } from "./job-records.js";

export interface JobStatusHandlerOptions {
  /** `hopper.jobs` of a Hopper with records on. */
  readonly jobs: JobRecords;
  /**
   * Where a succeeded job's result can be fetched (e.g. `/reports/${record.result.reportId}`):
   * answered `303 See Other` with that `Location`. Without it, or when it returns
   * undefined, a succeeded job is answered 200 with its record like any other. Characters a
   * header cannot carry (non-ASCII, spaces, controls) are percent-encoded as UTF-8; the URL is
   * otherwise sent as given, so one built from a job's data should be a path of the application's.
   */
  readonly resultUrl?: (record: JobRecord) => string | undefined;
  /** `Retry-After` (seconds) on the answer for an unfinished job. Default 1. */
  readonly retryAfterSeconds?: number;
  /** Where a record store that cannot answer is reported (the client gets 503). Default: the console. */
  readonly logger?: Logger;
}

export interface JobStatusHandler {
  /** `(Request) => Response`: Hono, Next.js route handlers, Bun, Deno. */
  readonly fetch: (request: Request) => Promise<Response>;
  /** `(req, res)`: `http.createServer`, Express (`app.get("/jobs/:id", handler.node)`). */
  readonly node: (request: IncomingMessage, response: ServerResponse) => Promise<void>;
}

/**
 * The polling half of the "202 Accepted" pattern: mount it at `/jobs/:id` (the
 * job id is the last path segment) and answer `202` with `Location: /jobs/{id}`
 * where the work is enqueued. GET answers the record as JSON (200), `303 See
 * Other` to `resultUrl(record)` once the job succeeded, `404` for an unknown or
 * expired id. The answer is the record without its `args`: state, attempts and times, `progress`,
 * `result`, the last `error` (its name and message, credentials in URLs masked), and the ids of the
 * job's `batchId` and flow parent `parentId`, whose own records the same route answers. Ids are
 * unguessable (62 random bits) but not secrets, and they show when the job was enqueued: put the route
 * behind the application's own authentication when any of that may be private.
 */
export function createJobStatusHandler(options: JobStatusHandlerOptions): JobStatusHandler {
  if (typeof options?.jobs?.get !== "function") throw new ConfigurationError({ field: "jobs", message: "give hopper.jobs: createJobStatusHandler({ jobs: hopper.jobs })" });
  if (options.resultUrl !== undefined && typeof options.resultUrl !== "function") throw new ConfigurationError({ field: "resultUrl", message: "must be a function (record) => string | undefined" });
  // A public endpoint's polls: each kind of failure logged at most once every 10 s.
  const failures = new ThrottledLog(loggerOption(options.logger), 10_000);
  const retryAfter = options.retryAfterSeconds ?? 1;
  if (!Number.isSafeInteger(retryAfter) || retryAfter < 0) throw new ConfigurationError({ field: "retryAfterSeconds", message: `must be a whole number of seconds ≥ 0, got ${JSON.stringify(retryAfter)}` });
  const json = (status: number, body: unknown, headers: Record<string, string> = {}): PushHttpAnswer => ({
    status,
    text: JSON.stringify(body),
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", "x-content-type-options": "nosniff", ...headers },
  });
  const handle = async (request: { method: string; url: string }): Promise<PushHttpAnswer> => {
    if (request.method !== "GET" && request.method !== "HEAD") return pushAnswer(405, "job status is read with GET", { allow: "GET, HEAD" });
    // One trailing slash is the same route (Express's /jobs/:id matches /jobs/x/ too).
    const path = request.url.split("?")[0]!.replace(/(.)\/$/, "$1");
    let id: string;
    try {
      id = decodeURIComponent(path.slice(path.lastIndexOf("/") + 1));
    } catch {
      return json(400, { error: "the job id in the path is not valid percent-encoding" });
    }
    // No job id holds a control character (a NUL would fail a PostgreSQL store's query): unknown, unasked.
    if (id === "" || id.length > 512 || /[\u0000-\u001f\u007f]/.test(id)) return json(404, { error: "no such job", id });
    let record: JobRecord | null;
    try {
      record = await options.jobs.get(id);
    } catch (error) {
      // A Hopper without records does not heal: not an outage to wait out.
      if (ConfigurationError.isInstance(error)) {
        failures.write("error", "no-records", "job status: this Hopper keeps no job records (createHopper({ records: {} })); answered 500", { error });
        return json(500, { error: "job status is not set up: the application keeps no job records" });
      }
      failures.write("error", "store", "job status: the record store could not be read; answered 503", { error });
      return json(503, { error: "the job's record could not be read; try again" }, { "retry-after": "5" });
    }
    if (!record) return json(404, { error: "no such job", id });
    // Args are the operator's to see (unredacted here), not the polling client's.
    const { args: _args, ...answered } = record;
    let location: string | undefined;
    try {
      location = record.state === "succeeded" ? options.resultUrl?.(record) : undefined;
    } catch {
      // Its message may hold what the polling client should not see.
      return json(500, { error: "resultUrl threw: the application's result URL for this job could not be made" });
    }
    if (location !== undefined) {
      if (typeof location !== "string" || location === "") return json(500, { error: "resultUrl gave no URL: it must return a non-empty string, or undefined to answer the record" });
      const encoded = headerSafeUrl(location);
      if (encoded === undefined) return json(500, { error: "resultUrl gave a URL with an unpaired UTF-16 surrogate: it cannot be encoded" });
      return json(303, answered, { location: encoded });
    }
    return json(200, answered, FINISHED_STATES.has(record.state) ? {} : { "retry-after": String(retryAfter) });
  };
  return { fetch: toFetchHandler(handle), node: toNodeHandler(handle) };
}

/**
 * A URL as a header carries it: each character outside printable ASCII (non-ASCII, a space, a control
 * character, CR and LF among them) percent-encoded as UTF-8, the rest left as given (so existing
 * escapes stay single); undefined when it holds an unpaired surrogate, which has no UTF-8 form.
 */
export function headerSafeUrl(url: string): string | undefined {
  try {
    return url.replace(/[^\x21-\x7e]/gu, (character) => encodeURIComponent(character));
  } catch {
    return undefined;
  }
}
