import type { Backend, EnqueueCallOptions, EnqueueResult, OutgoingMessage } from "./backend.js";

/**
 * Sends any number of messages through `backend.enqueue`, split into chunks
 * that respect `maxBatchSize` and `maxBatchBytes`, all chunks in parallel
 * (one after another inside a caller's transaction: one client, one query at a time).
 * Results come back in input order; a chunk that throws fails its messages.
 * `progress` is called as each chunk settles (the enqueue bound counts from it).
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
  if (options.transaction === undefined) return (await Promise.all(chunks.map(send))).flat();
  const results: EnqueueResult[] = [];
  for (const chunk of chunks) results.push(...(await send(chunk)));
  return results;
}

export function chunkMessages(messages: readonly OutgoingMessage[], maxBatchSize: number, maxBatchBytes = Infinity): OutgoingMessage[][] {
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
