import { ConfigurationError } from "../errors/configuration-error.js";
import { DEAD_LETTER_SUFFIX, validateQueueName } from "../names.js";
import { redactSecrets } from "../redaction.js";

/**
 * Where one queue lives: the URL its jobs are sent to (the Hopper's own `url` when left out), and,
 * during a migration, older URLs its workers keep receiving from until they are empty.
 */
export interface QueueRoute {
  readonly url?: string;
  readonly drainFrom?: readonly string[];
}

/** `createHopper({ routes })`: queue name → its backend's URL, or a `QueueRoute`. */
export type RoutesOptions = Readonly<Record<string, string | QueueRoute>>;

/** A checked route: where the queue's jobs go, and where its workers also receive from. */
export interface CheckedRoute {
  readonly queue: string;
  /** Undefined: the Hopper's own backend. */
  readonly send: string | undefined;
  readonly drainFrom: readonly string[];
  /** The field the route came from, for errors. */
  readonly field: string;
}

const routeKeys = ["url", "drainFrom"];

/**
 * Checks `routes` before anything opens: each key a queue name (not a dead-letter queue, which lives
 * with its queue), each URL parseable and of a known scheme, no URL twice in one route. Whether the
 * scheme's adapter is installed is known only when it loads (at open), and is refused then, naming
 * the same field.
 */
export function checkRoutes(routes: unknown, defaultUrl: string | undefined, knownScheme: (protocol: string) => boolean): CheckedRoute[] {
  if (routes === undefined) return [];
  if (typeof routes !== "object" || routes === null || Array.isArray(routes)) {
    throw new ConfigurationError({ field: "routes", message: 'give an object of queue name → URL: routes: { billing: "sqs://…" }' });
  }
  const checked: CheckedRoute[] = [];
  for (const [queue, value] of Object.entries(routes)) {
    const field = `routes.${queue}`;
    validateQueueName(queue, field);
    if (queue.endsWith(DEAD_LETTER_SUFFIX) && Object.hasOwn(routes, queue.slice(0, -DEAD_LETTER_SUFFIX.length))) {
      throw new ConfigurationError({ field, message: `${JSON.stringify(queue)} is the dead-letter queue of ${JSON.stringify(queue.slice(0, -DEAD_LETTER_SUFFIX.length))}, which is routed already: a queue's dead letters live on its backend, so route the queue only` });
    }
    const route: QueueRoute = typeof value === "string" ? { url: value } : checkRouteObject(value, field);
    const send = route.url === undefined ? undefined : checkUrl(route.url, `${field}.url`, knownScheme);
    const drainFrom = (route.drainFrom ?? []).map((url, index) => checkUrl(url, `${field}.drainFrom[${index}]`, knownScheme));
    const seen = new Set([send ?? defaultUrl]);
    drainFrom.forEach((url, index) => {
      if (seen.has(url)) {
        throw new ConfigurationError({ field: `${field}.drainFrom[${index}]`, message: `${redactSecrets(url)} is given twice for queue ${JSON.stringify(queue)} (a drained URL must differ from the one jobs are sent to and from the other drained ones)` });
      }
      seen.add(url);
    });
    if (send === undefined && drainFrom.length === 0) throw new ConfigurationError({ field, message: "give url, drainFrom, or both: { url: \"postgres://new\", drainFrom: [\"redis://old\"] }" });
    checked.push({ queue, send: send === defaultUrl ? undefined : send, drainFrom, field });
  }
  return checked;
}

function checkRouteObject(value: unknown, field: string): QueueRoute {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ConfigurationError({ field, message: 'give a URL string, or { url?, drainFrom?: [URL, …] }: routes: { billing: "sqs://…" }' });
  }
  for (const key of Object.keys(value)) {
    if (!routeKeys.includes(key)) throw new ConfigurationError({ field: `${field}.${key}`, message: `unknown route option: use ${routeKeys.join(" or ")}` });
  }
  const route = value as QueueRoute;
  if (route.drainFrom !== undefined && !Array.isArray(route.drainFrom)) {
    throw new ConfigurationError({ field: `${field}.drainFrom`, message: 'give an array of URLs to keep receiving from: drainFrom: ["redis://old"]' });
  }
  return route;
}

function checkUrl(value: unknown, field: string, knownScheme: (protocol: string) => boolean): string {
  if (typeof value !== "string" || value.trim() === "") {
    throw new ConfigurationError({ field, message: `${value === undefined ? "undefined" : JSON.stringify(value)} is not a backend URL (an unset environment variable?): give redis://…, postgres://…, sqs://…, pubsub://… or memory://…` });
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigurationError({ field, message: `${JSON.stringify(redactSecrets(value))} is not a URL: give redis://…, postgres://…, sqs://…, pubsub://… or memory://…` });
  }
  if (!knownScheme(url.protocol)) throw new ConfigurationError({ field, message: `no backend serves ${url.protocol}// URLs: use redis:, postgres:, pglite:, sqs:, pubsub: or memory:` });
  return value;
}
