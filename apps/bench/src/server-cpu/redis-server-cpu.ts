import { Redis } from "ioredis";

const readingTimeoutMs = 5000;

/** One field of an INFO section's text ("name:value" lines), 0 when absent. */
export function infoField(text: string, name: string): number {
  return Number(new RegExp(`^${name}:([\\d.]+)`, "m").exec(text)?.[1] ?? 0);
}

/** The Redis server's own CPU time so far, in µs, from its INFO cpu section (user + system of the main process; µs resolution). */
export function redisCpuUs(cpuSection: string): number {
  return (infoField(cpuSection, "used_cpu_user") + infoField(cpuSection, "used_cpu_sys")) * 1e6;
}

/**
 * A reader of one Redis server's CPU time: INFO answers it wherever the server runs. The URL's path and query (a Hopper
 * URL's database and options) are not the server's address, so only its origin and credentials are used.
 */
export function redisServerCpu(url: string): { readonly read: () => Promise<number>; readonly close: () => Promise<void> } {
  const parsed = new URL(url);
  const client = new Redis({
    // An IPv6 host comes bracketed in a URL ("[::1]"), bare to a socket.
    host: parsed.hostname.replace(/^\[(.*)\]$/, "$1"),
    port: Number(parsed.port || 6379),
    ...(parsed.username && { username: decodeURIComponent(parsed.username) }),
    ...(parsed.password && { password: decodeURIComponent(parsed.password) }),
    ...(parsed.protocol === "rediss:" && { tls: {} }),
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    // A server that stops answering fails the reading (its figures are left out) rather than holding the run.
    connectTimeout: readingTimeoutMs,
    commandTimeout: readingTimeoutMs,
  });
  // A failed reading rejects `read`, which its caller reports; the client's own error events say nothing more.
  client.on("error", () => {});
  return {
    read: async () => redisCpuUs(await client.info("cpu")),
    close: async () => {
      client.disconnect();
    },
  };
}
