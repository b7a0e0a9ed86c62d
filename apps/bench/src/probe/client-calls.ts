import pg from "pg";
import { Redis } from "ioredis";

/**
 * Counts the calls this process sends to Redis (`sendCommand`, one per command, including each
 * command of a pipeline or MULTI) and to PostgreSQL (`Client.query`, one statement per round trip:
 * the driver does not pipeline), by wrapping the drivers' prototypes that Hopper's adapters share
 * with the bench (one copy of each in the workspace). The probe's own INFO calls are counted too.
 */
export function countClientCalls(): () => { readonly redis: number; readonly postgres: number } {
  const counts = { redis: 0, postgres: 0 };
  const wrap = (prototype: Record<string, unknown>, method: string, key: keyof typeof counts) => {
    const original = prototype[method] as (...args: unknown[]) => unknown;
    prototype[method] = function (this: unknown, ...args: unknown[]) {
      counts[key] += 1;
      return original.apply(this, args);
    };
  };
  wrap(Redis.prototype as unknown as Record<string, unknown>, "sendCommand", "redis");
  wrap(pg.Client.prototype as unknown as Record<string, unknown>, "query", "postgres");
  return () => ({ ...counts });
}
