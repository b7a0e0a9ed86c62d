import type { Backend, EnqueueResult, OutgoingMessage } from "./backend.js";

/**
 * Sends any number of messages through `backend.enqueue`, split into chunks
 * that respect `maxBatchSize` and `maxBatchBytes`, all chunks in parallel.
 * Results come back in input order; a chunk that throws fails its messages.
 */
export async function sendInBatches(backend: Backend, messages: readonly OutgoingMessage[]): Promise<EnqueueResult[]> {
  const chunks = chunkMessages(messages, backend.capabilities.maxBatchSize, backend.capabilities.maxBatchBytes);
  const results = await Promise.all(
    chunks.map(async (chunk) => {
      try {
        return await backend.enqueue(chunk);
      } catch (error) {
        return chunk.map((message): EnqueueResult => ({ status: "failed", id: message.id, error: error as Error }));
      }
    }),
  );
  return results.flat();
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
