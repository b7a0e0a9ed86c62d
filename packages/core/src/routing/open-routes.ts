import type { Backend } from "../backend/backend.js";
import { createRoutedBackend, type RoutedQueue } from "./routed-backend.js";
import type { CheckedRoute } from "./routes-options.js";

/**
 * Opens every URL the routes name, once each however many queues share it, and the routed backend
 * over them and `fallback` (the Hopper's own). A URL that fails to open closes what opened before it.
 */
export async function openRoutes(
  fallback: Backend,
  /** The Hopper's own URL (undefined for a given backend): a route naming it shares `fallback`. */
  fallbackUrl: string | undefined,
  ownsFallback: boolean,
  routes: readonly CheckedRoute[],
  open: (url: string, field: string) => Promise<Backend>,
): Promise<Backend> {
  if (routes.length === 0) return fallback;
  const byUrl = new Map<string, Backend>(fallbackUrl === undefined ? [] : [[fallbackUrl, fallback]]);
  const opened: Backend[] = [];
  const openOnce = async (url: string, field: string): Promise<Backend> => {
    let backend = byUrl.get(url);
    if (!backend) {
      backend = await open(url, field);
      byUrl.set(url, backend);
      opened.push(backend);
    }
    return backend;
  };
  const queues = new Map<string, RoutedQueue>();
  try {
    for (const route of routes) {
      const send = route.send === undefined ? fallback : await openOnce(route.send, `${route.field}.url`);
      const drainFrom: Backend[] = [];
      for (const [index, url] of route.drainFrom.entries()) drainFrom.push(await openOnce(url, `${route.field}.drainFrom[${index}]`));
      queues.set(route.queue, { send, drainFrom });
    }
  } catch (error) {
    await Promise.all(opened.map((backend) => backend.close().catch(() => {})));
    throw error;
  }
  return createRoutedBackend({ fallback, queues, owned: ownsFallback ? [fallback, ...opened] : opened });
}
