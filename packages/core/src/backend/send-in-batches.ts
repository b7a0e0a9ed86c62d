import type { Backend, EnqueueCallOptions, EnqueueResult, OutgoingMessage } from "./backend.js";

/**
 * Sends any number of messages through `backend.enqueue`, split into chunks
 * that respect `maxBatchSize` and `maxBatchBytes`. Chunks go in parallel,
 * except that a chunk waits for every earlier chunk sharing one of its
 * ordering keys (parallel sends may land in any order, and a key's messages
 * must arrive in enqueue order); inside a caller's transaction they go one
 * after another (one client, one query at a time).
 * Results come back in input order; a chunk that throws fails its messages,
 * and the later messages of its ordering keys fail unsent rather than
 * overtake them. `progress` is called as each chunk settles (the enqueue
 * bound counts from it).
 */
export async function sendInBatches(backend: Backend, messages: readonly OutgoingMessage[], options: EnqueueCallOptions = {}, progress?: () => void): Promise<EnqueueResult[]> {
  const chunks = chunkMessages(messages, backend.capabilities.maxBatchSize, backend.capabilities.maxBatchBytes);
  const send = async (chunk: OutgoingMessage[]): Promise<EnqueueResult[]> => {
    try {
      return await backend.enqueue(chunk, options);
    } catch (error) {
      return chunk.map((message): EnqueueResult => ({ status: "failed", id: message.id, error: error as Error }));
    } finally {
      progress?.();
    }
  };
  if (options.transaction === undefined) return (await Promise.all(inKeyOrder(chunks, send))).flat();
  const results: EnqueueResult[] = [];
  for (const chunk of chunks) results.push(...(await send(chunk)));
  return results;
}

/** Starts each chunk once the earlier chunks sharing its ordering keys have settled. */
function inKeyOrder(chunks: OutgoingMessage[][], send: (chunk: OutgoingMessage[]) => Promise<EnqueueResult[]>): Promise<EnqueueResult[]>[] {
  const lastChunkOfKey = new Map<string, Promise<unknown>>();
  const failedKeys = new Set<string>();
  return chunks.map((chunk) => {
    if (chunk.every((message) => message.orderingKey === undefined)) return send(chunk);
    const keys = new Set(chunk.flatMap((message) => (message.orderingKey === undefined ? [] : [message.orderingKey])));
    const before = [...keys].flatMap((key) => lastChunkOfKey.get(key) ?? []);
    const sent = (before.length === 0 ? send(chunk) : Promise.all(before).then(() => sendUnlessOvertaking(chunk, failedKeys, send))).then((results) => {
      results.forEach((result, index) => {
        const key = chunk[index]?.orderingKey;
        if (result.status === "failed" && key !== undefined) failedKeys.add(key);
      });
      return results;
    });
    for (const key of keys) lastChunkOfKey.set(key, sent);
    return sent;
  });
}

/** Fails unsent the messages whose ordering key already failed earlier; sends the rest. */
async function sendUnlessOvertaking(chunk: OutgoingMessage[], failedKeys: ReadonlySet<string>, send: (chunk: OutgoingMessage[]) => Promise<EnqueueResult[]>): Promise<EnqueueResult[]> {
  const blocked = chunk.map((message) => message.orderingKey !== undefined && failedKeys.has(message.orderingKey));
  const sendable = chunk.filter((_, index) => !blocked[index]);
  const sent = sendable.length === 0 ? [] : await send(sendable);
  let next = 0;
  return chunk.map((message, index): EnqueueResult => {
    if (!blocked[index]) return sent[next++]!;
    const error = new Error(`not sent: an earlier message with ordering key ${JSON.stringify(message.orderingKey)} failed to enqueue, and this one would have overtaken it; enqueue both again, in order`);
    return { status: "failed", id: message.id, error };
  });
}

export function chunkMessages(messages: readonly OutgoingMessage[], maxBatchSize: number, maxBatchBytes = Infinity): OutgoingMessage[][] {
  // A UTF-16 unit is at most 3 UTF-8 bytes: a send whose text is that short fits one chunk without counting its bytes.
  if (messages.length <= maxBatchSize && fitsWithoutCounting(messages, maxBatchBytes)) return messages.length === 0 ? [] : [[...messages]];
  // The same bound for a bulk send: when even maxBatchSize of its longest body fit, chunks are cut by count alone.
  if (maxBatchSize >= 1 && longestBodyUnits(messages) * 3 * maxBatchSize <= maxBatchBytes) return chunkByCount(messages, maxBatchSize);
  const chunks: OutgoingMessage[][] = [];
  let current: OutgoingMessage[] = [];
  let currentBytes = 0;
  for (const message of messages) {
    const bytes = Buffer.byteLength(message.body);
    if (current.length > 0 && (current.length >= maxBatchSize || currentBytes + bytes > maxBatchBytes)) {
      chunks.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(message);
    currentBytes += bytes;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

function longestBodyUnits(messages: readonly OutgoingMessage[]): number {
  let longest = 0;
  for (const message of messages) if (message.body.length > longest) longest = message.body.length;
  return longest;
}

function chunkByCount(messages: readonly OutgoingMessage[], maxBatchSize: number): OutgoingMessage[][] {
  const chunks: OutgoingMessage[][] = [];
  for (let start = 0; start < messages.length; start += maxBatchSize) chunks.push(messages.slice(start, start + maxBatchSize));
  return chunks;
}

function fitsWithoutCounting(messages: readonly OutgoingMessage[], maxBatchBytes: number): boolean {
  if (maxBatchBytes === Infinity) return true;
  let units = 0;
  for (const message of messages) units += message.body.length;
  return units * 3 <= maxBatchBytes;
}
