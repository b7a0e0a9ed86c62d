import { InvalidArgumentError } from "commander";
import { validateQueueName } from "@hopper/core";

/** `a,b` → ["a", "b"], each a valid queue name. */
export function parseQueueList(value: string): string[] {
  const queues = value.split(",").map((queue) => queue.trim()).filter((queue) => queue !== "");
  if (queues.length === 0) throw new InvalidArgumentError("give one or more queue names separated by commas, e.g. mailers,default.");
  try {
    for (const queue of queues) validateQueueName(queue, "queue");
  } catch (error) {
    throw new InvalidArgumentError(`${(error as Error).message}.`);
  }
  return queues;
}

/** `a,b` → a list; `a:6,b:2` → weights `{ a: 6, b: 2 }` (as Sidekiq's `-q a,6`). */
export function parseWorkerQueues(value: string): string[] | Record<string, number> {
  const items = value.split(",").map((item) => item.trim()).filter((item) => item !== "");
  if (!items.some((item) => item.includes(":"))) return parseQueueList(value);
  const weights: Record<string, number> = {};
  for (const item of items) {
    const [queue = "", weight = "", ...extra] = item.split(":");
    if (extra.length > 0 || !/^\d+$/.test(weight.trim())) throw new InvalidArgumentError(`${JSON.stringify(item)}: give every queue a whole-number weight, e.g. critical:6,default:2,low:1.`);
    parseQueueList(queue);
    if (queue in weights) throw new InvalidArgumentError(`${JSON.stringify(queue)} is listed twice.`);
    weights[queue] = Number(weight);
  }
  return weights;
}

export function parsePositiveInteger(value: string): number {
  const number = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(number) || number < 1) throw new InvalidArgumentError("must be a whole number of 1 or more.");
  return number;
}

/** "500ms", "2s", "1m", "1h" or a number of milliseconds, from 1ms to 24h. */
export function parseDurationMs(value: string): number {
  const ms = durationMs(value);
  if (ms < 1 || ms > 24 * 3_600_000) throw new InvalidArgumentError("must be between 1ms and 24h.");
  return ms;
}

/** As parseDurationMs, and 0 (do not wait). */
export function parseWaitDurationMs(value: string): number {
  const ms = durationMs(value);
  if (ms > 24 * 3_600_000) throw new InvalidArgumentError("must be between 0 and 24h.");
  return ms;
}

function durationMs(value: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim());
  if (!match) throw new InvalidArgumentError("use a duration such as 500ms, 2s, 1m or 1h.");
  const unit = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 }[match[2] ?? "ms"]!;
  return Math.round(Number(match[1]) * unit);
}

/** An address to listen on: never empty, which listen() reads as every interface. */
export function parseListenHost(value: string): string {
  const host = value.trim();
  if (host === "" || /\s/.test(host)) throw new InvalidArgumentError("give an address to listen on, e.g. 127.0.0.1 (or 0.0.0.0 for every interface, behind a proxy).");
  return host;
}

export function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65_535) throw new InvalidArgumentError("must be a port number from 0 to 65535 (0: any free port)");
  return port;
}
