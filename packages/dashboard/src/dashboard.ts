import type { IncomingMessage, ServerResponse } from "node:http";
import { ConfigurationError, JobNotFoundError, loggerOption, type Hopper, type Logger } from "@hopper/core";
import { readBoundedBody, toFetchHandler, toNodeHandler, type PushHttpAnswer, type PushHttpRequest } from "@hopper/core/backend";
import { dashboardCss, dashboardJs } from "./assets.js";
import { CSRF_COOKIE, CSRF_FIELD, csrfCookie, newCsrfToken, readCookie, tokensMatch, validToken } from "./csrf.js";
import { layout } from "./layout.js";
import { errorText, type PageContext, type RedactArgs, type RenderedPage } from "./page-context.js";
import { deadLettersPage } from "./pages/dead-letters-page.js";
import { actOnSelected, DEAD_LETTERS_SEARCHED } from "./dead-letter-selection.js";
import { jobPage } from "./pages/job-page.js";
import { queuesPage } from "./pages/queues-page.js";
import { schedulesPage } from "./pages/schedules-page.js";
import { workersPage } from "./pages/workers-page.js";
import { defaultRedactArgs, type RedactRecordArgs } from "./redact-args.js";

/** What `authorize` sees of a request. */
export interface DashboardRequest {
  readonly method: string;
  /** Path and query as the client sent them. */
  readonly url: string;
  /** A request header by lower-case name, or null. */
  header(name: string): string | null;
  /** The peer's address (Node form only). */
  readonly remoteAddress?: string | undefined;
}

/** A refusal with its own status and headers (401 with `www-authenticate`, say); `false` is a plain 403. */
export interface DashboardRefusal {
  readonly status: number;
  readonly headers?: Record<string, string>;
}

export interface DashboardOptions {
  /** The Hopper whose queues, jobs, dead letters and workers the dashboard shows (its registered jobs name the queues). */
  readonly hopper: Hopper;
  /** Asked for every request, assets included: true lets it through; false answers 403; a refusal answers as it says. */
  readonly authorize?: (request: DashboardRequest) => boolean | DashboardRefusal | Promise<boolean | DashboardRefusal>;
  /** Without `authorize`, the dashboard refuses to start unless this is true (then it logs a warning at start). */
  readonly allowUnauthenticated?: boolean;
  /** Shows everything, offers and accepts no action. Default false. */
  readonly readOnly?: boolean;
  /** Where the dashboard is mounted, e.g. "/admin/hopper"; links start with it, and requests are taken with or without it. Default "". */
  readonly basePath?: string;
  /** What to show of a dead letter's args (the dead letters' own view); args are hidden when left out. */
  readonly redact?: RedactArgs;
  /**
   * What the Job page shows of the args in a job's record: `(args, record) => what to show` (plain JSON).
   * Default `defaultRedactArgs`: values under keys that look like secrets masked at any depth, credentials
   * in strings hidden. A function that throws, or returns what is not JSON, hides the args.
   */
  readonly redactArgs?: RedactRecordArgs;
  /** How often an open page refreshes itself, in ms. Default 5000. */
  readonly refreshMs?: number;
  /**
   * Whether the CSRF cookie is `Secure`. Default: when the page came over HTTPS, as far as the request
   * tells (TLS to this process, or `X-Forwarded-Proto: https` from a TLS-terminating proxy).
   */
  readonly secureCookie?: boolean;
  readonly logger?: Logger;
}

/** `(req, res)` for `http.createServer`, Express `app.use(path, dashboard)`, Fastify's raw handlers; `fetch` for Hono, Bun, Deno. */
export interface Dashboard {
  (request: IncomingMessage, response: ServerResponse): Promise<void>;
  readonly fetch: (request: Request) => Promise<Response>;
}

const optionKeys = new Set(["hopper", "authorize", "allowUnauthenticated", "readOnly", "basePath", "redact", "redactArgs", "refreshMs", "secureCookie", "logger"]);
// Room for a bulk dead-letter form: 100 items of a queue and a job id each.
const maxFormBytes = 64 * 1024;
const securityHeaders = {
  "content-security-policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "same-origin",
  "cache-control": "no-store",
};

export function createDashboard(options: DashboardOptions): Dashboard {
  const settings = checkOptions(options);
  const { hopper, readOnly, base, logger } = settings;
  if (!options.authorize) {
    logger.warn("THE HOPPER DASHBOARD IS OPEN TO ANYONE WHO CAN REACH IT: allowUnauthenticated is true and no authorize hook is set; anyone can see jobs and (unless readOnly) pause queues, cancel and retry jobs", { basePath: base || "/", readOnly });
  }

  const answer = (status: number, text: string, headers: Record<string, string> = {}): PushHttpAnswer => ({ status, text, headers: { "content-type": "text/plain; charset=utf-8", ...securityHeaders, ...headers } });
  const redirect = (location: string, headers: Record<string, string> = {}): PushHttpAnswer => ({ status: 303, text: "", headers: { ...securityHeaders, location, ...headers } });

  const handle = async (request: PushHttpRequest): Promise<PushHttpAnswer> => {
    // Before anything else: a path URL parsing would resolve elsewhere could pass a proxy's rule for the mount point and
    // land on a page or action outside it, so it reaches nothing.
    if (hasDotSegment(request.url)) return answer(400, "the path holds a . or .. segment: ask for the page itself");
    let verdict: boolean | DashboardRefusal = true;
    if (options.authorize) {
      // authorize sees the request line and headers, never the body (reading it would leave the form empty).
      const seen: DashboardRequest = { method: request.method, url: request.url, header: (name) => request.header(name), remoteAddress: request.remoteAddress };
      try {
        verdict = await options.authorize(seen);
      } catch (error) {
        logger.error("the dashboard's authorize hook threw; refusing the request", { error });
        return answer(500, "authorization failed");
      }
    }
    if (verdict !== true) {
      const given = typeof verdict === "object" && verdict !== null ? verdict : undefined;
      // Only a refusal status: a hook answering 200 or 302 must not look like a way in.
      const refusal = given && Number.isInteger(given.status) && given.status >= 400 && given.status < 600 ? given : { status: 403 };
      return answer(refusal.status, refusal.status === 401 ? "sign in to see the Hopper dashboard" : "not allowed to see the Hopper dashboard", refusal.headers);
    }
    const target = new URL(request.url, "http://dashboard.invalid");
    const path = relativePath(target.pathname, base);
    if (request.method === "POST") return act(request, path);
    if (request.method !== "GET" && request.method !== "HEAD") return answer(405, "the dashboard takes GET, and POST for actions", { allow: "GET, HEAD, POST" });
    if (path === "/assets/dashboard.css") return { status: 200, text: dashboardCss, headers: { ...securityHeaders, "content-type": "text/css; charset=utf-8" } };
    if (path === "/assets/dashboard.js") return { status: 200, text: dashboardJs, headers: { ...securityHeaders, "content-type": "text/javascript; charset=utf-8" } };
    const render = pages[path];
    if (!render) return answer(404, "no such dashboard page");
    const presented = readCookie(request.header("cookie"), CSRF_COOKIE);
    const token = validToken(presented) ? presented : newCsrfToken();
    const context: PageContext = { hopper, base, query: target.searchParams, readOnly, csrfToken: token, redact: options.redact, redactArgs: options.redactArgs ?? defaultRedactArgs, now: Date.now() };
    let page: RenderedPage;
    try {
      page = await render(context);
    } catch (error) {
      logger.error("a dashboard page failed", { error });
      return answer(500, `the page could not be rendered: ${errorText(error)}`);
    }
    const headers: Record<string, string> = { ...securityHeaders, "content-type": "text/html; charset=utf-8" };
    if (token !== presented) headers["set-cookie"] = csrfCookie(token, base || "/", options.secureCookie ?? cameOverHttps(request));
    return { status: page.status ?? 200, headers, text: layout({ base, page: page.page, title: page.title, readOnly, refreshMs: settings.refreshMs, body: page.body }) };
  };

  const act = async (request: PushHttpRequest, path: string): Promise<PushHttpAnswer> => {
    if (readOnly) return answer(403, "the dashboard is read-only");
    const action = actions[path];
    if (!action) return answer(404, "no such dashboard action");
    // A cross-site POST names another origin; SameSite=Strict and the token stop it too, this says so sooner.
    if (request.header("sec-fetch-site") === "cross-site" || !sameOrigin(request.header("origin"), request.header("host"))) return answer(403, "cross-site request refused");
    const body = await readBoundedBody(request.body, maxFormBytes);
    if (body === undefined) return answer(413, `the form is larger than ${maxFormBytes} bytes`);
    const form = new URLSearchParams(body);
    if (!tokensMatch(readCookie(request.header("cookie"), CSRF_COOKIE), form.get(CSRF_FIELD) ?? undefined)) {
      return answer(403, "missing or wrong CSRF token: reload the dashboard page and try again");
    }
    try {
      return redirect(await action(form));
    } catch (error) {
      // A record that expired between the check and the action is the same mistake as one gone before it.
      if (ConfigurationError.isInstance(error) || JobNotFoundError.isInstance(error)) return answer(400, errorText(error));
      logger.error("a dashboard action failed", { error, action: path });
      return answer(500, `the action failed: ${errorText(error)}`);
    }
  };

  const field = (form: URLSearchParams, name: string): string => {
    const value = form.get(name);
    if (!value) throw new ConfigurationError({ field: name, message: "the form left it out" });
    return value;
  };
  // A queue of this Hopper's, as the bulk form's items must name (dead-letter-selection.ts): not another application's on the same backend.
  const knownQueue = async (form: URLSearchParams): Promise<string> => {
    const queue = field(form, "queue");
    const known = (await hopper.queues.list()).some((entry) => entry.name === queue);
    if (!known) throw new ConfigurationError({ field: "queue", message: `names a queue this Hopper does not know (${JSON.stringify(queue.slice(0, 100))})` });
    return queue;
  };
  // The record of a job the form names, which may have expired since the page showed it.
  const recordOf = async (id: string) => {
    const record = await hopper.jobs.get(id);
    if (!record) throw new ConfigurationError({ field: "id", message: `no job ${JSON.stringify(id.slice(0, 100))}: it may have finished and its record expired` });
    return record;
  };
  const back = (page: string, query: Record<string, string>) => `${base}/${page}?${new URLSearchParams(query).toString()}`;
  const actions: Record<string, (form: URLSearchParams) => Promise<string>> = {
    "/queues/pause": async (form) => {
      const queue = field(form, "queue");
      await hopper.queues.pause(queue);
      return back("queues", { done: "paused", queue });
    },
    "/queues/resume": async (form) => {
      const queue = field(form, "queue");
      await hopper.queues.resume(queue);
      return back("queues", { done: "resumed", queue });
    },
    "/jobs/cancel": async (form) => {
      const id = field(form, "id");
      // A job whose record is gone: JobNotFoundError, answered 400 below.
      const outcome = await hopper.jobs.cancel(id);
      return back("jobs", { id, done: outcome.cancelled ? "cancelled" : outcome.stopping ? "stopping" : "not-cancelled" });
    },
    "/jobs/retry": async (form) => {
      const id = field(form, "id");
      const { queue } = await recordOf(id);
      const moved = await hopper.deadLetters(queue).retry({ ids: [id], max: DEAD_LETTERS_SEARCHED });
      return back("jobs", { id, done: moved > 0 ? "retried" : "not-retried" });
    },
    "/dead-letters/retry": async (form) => {
      const [queue, id] = [await knownQueue(form), field(form, "id")];
      const moved = await hopper.deadLetters(queue).retry({ ids: [id], max: DEAD_LETTERS_SEARCHED });
      return back("dead-letters", { queue, done: moved > 0 ? "retried" : "not-retried" });
    },
    "/dead-letters/discard": async (form) => {
      const [queue, id] = [await knownQueue(form), field(form, "id")];
      const taken = await hopper.deadLetters(queue).take({ ids: [id], max: DEAD_LETTERS_SEARCHED });
      return back("dead-letters", { queue, done: taken.length > 0 ? "discarded" : "not-discarded" });
    },
    "/dead-letters/selected": async (form) => back("dead-letters", { ...(await actOnSelected(hopper, form)) }),
  };

  const node = toNodeHandler(handle);
  return Object.assign((request: IncomingMessage, response: ServerResponse) => node(request, response), { fetch: toFetchHandler(handle) });
}

const pages: Record<string, (context: PageContext) => Promise<RenderedPage>> = {
  "/": queuesPage,
  "/queues": queuesPage,
  "/jobs": jobPage,
  "/dead-letters": deadLettersPage,
  "/schedules": schedulesPage,
  "/workers": workersPage,
};

/** False only when the request names an origin other than the host it was sent to. */
function sameOrigin(origin: string | null, host: string | null): boolean {
  if (origin === null || host === null) return true;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

/** Whether the request target's path (before its query) has a `.` or `..` segment, written plainly or percent-encoded, between slashes or backslashes. */
function hasDotSegment(target: string): boolean {
  const path = target.split(/[?#]/, 1)[0]!;
  // URL parsing takes a backslash for a slash, so both separate segments here.
  return path.split(/[/\\]|%5c/i).some((segment) => /^(?:\.|%2e){1,2}$/i.test(segment));
}

/** The path below the mount point: taken with the base (a plain `http` server) or without it (Express strips it). */
function relativePath(pathname: string, base: string): string {
  const below = base && (pathname === base || pathname.startsWith(`${base}/`)) ? pathname.slice(base.length) : pathname;
  const trimmed = below.length > 1 && below.endsWith("/") ? below.slice(0, -1) : below;
  return trimmed === "" ? "/" : trimmed;
}

function checkOptions(options: DashboardOptions) {
  if (typeof options !== "object" || options === null) throw new ConfigurationError({ field: "options", message: "createDashboard takes { hopper, authorize }" });
  for (const key of Object.keys(options)) {
    if (!optionKeys.has(key)) throw new ConfigurationError({ field: key, message: `createDashboard has no option ${JSON.stringify(key)}; its options are ${[...optionKeys].join(", ")}` });
  }
  const hopper = options.hopper;
  if (typeof hopper?.queues?.list !== "function" || typeof hopper.workers?.list !== "function" || typeof hopper.deadLetters !== "function" || typeof hopper.schedules?.list !== "function") {
    throw new ConfigurationError({ field: "hopper", message: "give the Hopper to show: createDashboard({ hopper: createHopper({ url, jobs }), authorize })" });
  }
  if (options.authorize !== undefined && typeof options.authorize !== "function") throw new ConfigurationError({ field: "authorize", message: "must be a function (request) => boolean, e.g. one that checks your session cookie" });
  if (options.authorize === undefined && options.allowUnauthenticated !== true) {
    throw new ConfigurationError({
      field: "authorize",
      message: "the dashboard can pause queues and retry or cancel jobs: give authorize: (request) => boolean (check your app's session or a token), or allowUnauthenticated: true for a dashboard only trusted people can reach",
    });
  }
  if (options.redact !== undefined && typeof options.redact !== "function") throw new ConfigurationError({ field: "redact", message: "must be a function (args, job) => what to show; leave it out to hide args" });
  if (options.redactArgs !== undefined && typeof options.redactArgs !== "function") {
    throw new ConfigurationError({ field: "redactArgs", message: "must be a function (args, record) => what to show; leave it out for defaultRedactArgs (secrets masked)" });
  }
  const basePath = options.basePath ?? "";
  if (typeof basePath !== "string" || (basePath !== "" && (!basePath.startsWith("/") || basePath.endsWith("/") || /[\s"'<>?#]/.test(basePath)))) {
    throw new ConfigurationError({ field: "basePath", message: `must be "" or a path like "/admin/hopper" (leading slash, no trailing slash), got ${JSON.stringify(basePath)}` });
  }
  if (options.readOnly !== undefined && typeof options.readOnly !== "boolean") throw new ConfigurationError({ field: "readOnly", message: `must be true or false (an environment variable's "true" is a string: compare it, e.g. process.env.X === "true"), got ${JSON.stringify(options.readOnly)}` });
  if (options.secureCookie !== undefined && typeof options.secureCookie !== "boolean") throw new ConfigurationError({ field: "secureCookie", message: `must be true or false (leave it out to follow the request's protocol), got ${JSON.stringify(options.secureCookie)}` });
  const refreshMs = options.refreshMs ?? 5000;
  if (!Number.isSafeInteger(refreshMs) || refreshMs < 1000) throw new ConfigurationError({ field: "refreshMs", message: `must be a whole number of ms ≥ 1000, got ${JSON.stringify(refreshMs)}` });
  // Its lines quote failures of the backend's calls, whose messages may hold a connection string: redacted as the core's are.
  return { hopper, readOnly: options.readOnly === true, base: basePath, refreshMs, logger: loggerOption(options.logger) };
}

/**
 * Whether the request reached the app over HTTPS: TLS to this process, or the first `X-Forwarded-Proto`
 * hop of a proxy that ended TLS. A client forging that header over plain HTTP only gets a cookie its
 * own browser will not send back over plain HTTP, so trusting it cannot weaken anything.
 */
function cameOverHttps(request: PushHttpRequest): boolean {
  if (request.encrypted === true) return true;
  return request.header("x-forwarded-proto")?.split(",")[0]?.trim().toLowerCase() === "https";
}
