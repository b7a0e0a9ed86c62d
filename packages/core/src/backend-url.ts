import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { BACKEND_SPECIFICATION_VERSION, type Backend } from "./backend/backend.js";
import type { CoordinationStore } from "./coordination/coordination-store.js";
import type { OutboxStore } from "./outbox/outbox-store.js";
import { ConfigurationError } from "./errors/configuration-error.js";
import { createMemoryBackend } from "./memory/memory-backend.js";
import { redactSecrets, sanitizedError } from "./redaction.js";
import { checkUrlParameters } from "./url-parameters.js";

/** URL scheme → the adapter package that serves it. Each exports `createBackendFromUrl(url)`. */
const adapterPackages: Readonly<Record<string, string>> = {
  "redis:": "@hopper/redis",
  "rediss:": "@hopper/redis",
  "postgres:": "@hopper/postgres",
  "postgresql:": "@hopper/postgres",
  "pglite:": "@hopper/postgres",
  "sqs:": "@hopper/sqs",
  "pubsub:": "@hopper/pubsub",
};

interface AdapterModule {
  createBackendFromUrl(url: URL): Backend | Promise<Backend>;
  /** A coordination store on the same server, for adapters whose server can coordinate processes. */
  createCoordinationStoreFromUrl?(url: URL): CoordinationStore | undefined | Promise<CoordinationStore | undefined>;
  /** A transactional outbox on the database of the URL, for adapters whose database can hold one. */
  createOutboxStoreFromUrl?(url: URL): OutboxStore | Promise<OutboxStore>;
}

/** The outbox on the database of `text` (createHopper({ outbox: "postgres://…" })). */
export async function outboxStoreFromUrl(text: string): Promise<OutboxStore> {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigurationError({ field: "outbox", message: `${JSON.stringify(redactSecrets(text))} is not a URL: give postgres://… or pglite://…` });
  }
  const packageName = adapterPackages[url.protocol];
  const adapter = packageName === undefined ? undefined : await importAdapter(packageName, url.protocol);
  if (!adapter?.createOutboxStoreFromUrl) throw new ConfigurationError({ field: "outbox", message: `no outbox can live at ${url.protocol}// URLs: the outbox must be in the database your transactions run on (postgres://… or pglite://…)` });
  return adapter.createOutboxStoreFromUrl(url);
}

/** The adapter's coordination store on the server of `text`, when the adapter offers one. */
export async function coordinationStoreFromUrl(text: string): Promise<CoordinationStore | undefined> {
  const url = new URL(text);
  const packageName = adapterPackages[url.protocol];
  if (!packageName) return undefined;
  const adapter = await importAdapter(packageName, url.protocol);
  return adapter.createCoordinationStoreFromUrl?.(url);
}

/** Whether the adapter for `text` offers a coordination store on its server (without opening one). */
export async function adapterOffersCoordination(text: string): Promise<boolean> {
  const packageName = adapterPackages[new URL(text).protocol];
  return packageName !== undefined && typeof (await importAdapter(packageName, new URL(text).protocol)).createCoordinationStoreFromUrl === "function";
}

/**
 * The URL createHopper opens: `url` when the key is given, else HOPPER_URL.
 * A given but undefined `url` is an error, not a fall-back: `url: process.env.REDIS_URL`
 * with the variable unset must not quietly keep jobs in this process.
 */
export function chooseBackendUrl(options: { readonly url?: unknown }): string {
  const given = "url" in options;
  const value = given ? options.url : process.env.HOPPER_URL;
  if (typeof value === "string" && value.trim() !== "") return value;
  const what = given ? `url is ${value === undefined ? "undefined" : JSON.stringify(value)}` : `no url was given and HOPPER_URL is ${value === undefined ? "unset" : "empty"}`;
  throw new ConfigurationError({
    field: "url",
    message: `${what} (an unset environment variable?): give the backend's URL (redis://…, postgres://…, pglite://./data, sqs://…, pubsub://…) in url or HOPPER_URL, or "memory://" to keep jobs inside this process only`,
  });
}

/** Whether a URL scheme (`redis:`) has a backend, installed or not. */
export function knownBackendScheme(protocol: string): boolean {
  return protocol === "memory:" || Object.hasOwn(adapterPackages, protocol);
}

/** Loads the adapter for `url` lazily, so apps install only the one they use. */
export async function backendFromUrl(text: string, field = "url"): Promise<Backend> {
  let url: URL;
  try {
    url = new URL(text);
  } catch (error) {
    throw new ConfigurationError({ field, message: `${redactUrl(text)} is not a URL: use e.g. memory://, redis://host:6379, postgres://…, pglite://./data, sqs://region/prefix, pubsub://project`, cause: sanitizedError(error) });
  }
  if (url.protocol === "memory:") {
    checkUrlParameters(url, [], url.protocol);
    return createMemoryBackend({ store: url.hostname || "default" });
  }
  const packageName = adapterPackages[url.protocol];
  if (!packageName) {
    throw new ConfigurationError({ field, message: `no backend serves ${url.protocol}// URLs: use one of memory:, ${Object.keys(adapterPackages).join(", ")}` });
  }
  const adapter = await importAdapter(packageName, url.protocol, field);
  return checkBackend(await adapter.createBackendFromUrl(url));
}

/**
 * The adapter is the application's dependency, not core's: strict layouts (pnpm)
 * hide it from core's own location, so resolve it from the application's directory too.
 */
async function importAdapter(packageName: string, protocol: string, field = "url"): Promise<AdapterModule> {
  let firstError: unknown;
  try {
    return (await import(packageName)) as AdapterModule;
  } catch (error) {
    firstError = error;
  }
  try {
    const resolved = createRequire(path.join(process.cwd(), "package.json")).resolve(packageName);
    return (await import(pathToFileURL(resolved).href)) as AdapterModule;
  } catch {
    throw new ConfigurationError({ field, message: `${protocol}// URLs need ${packageName}: install it in your application (pnpm add ${packageName})`, cause: firstError });
  }
}

export function checkBackend(backend: Backend): Backend {
  if (backend?.specificationVersion !== BACKEND_SPECIFICATION_VERSION) {
    throw new ConfigurationError({
      field: "backend",
      message: `backend implements contract ${JSON.stringify(backend?.specificationVersion)}, but this @hopper/core needs ${JSON.stringify(BACKEND_SPECIFICATION_VERSION)}: upgrade the adapter or core so they match`,
    });
  }
  return backend;
}

/** Hides credentials in a connection string before it reaches a log or an error. */
export const redactUrl: (text: string) => string = redactSecrets;
