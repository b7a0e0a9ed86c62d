import { ConfigurationError } from "../errors/configuration-error.js";
import type { EnqueueResult, OutgoingMessage } from "../backend/backend.js";
import type { OutboxStore, StagedOutgoing } from "./outbox-store.js";

/** Stages messages in the caller's transaction; their delays become moments, so time in the outbox does not lengthen them. */
export async function stageInOutbox(outbox: OutboxStore, messages: readonly OutgoingMessage[], transaction: unknown): Promise<EnqueueResult[]> {
  const now = Date.now();
  const staged = messages.map(({ delayMs, ...rest }): StagedOutgoing => (delayMs !== undefined && delayMs > 0 ? { ...rest, deliverAt: now + delayMs } : rest));
  try {
    await outbox.stage(staged, transaction);
  } catch (error) {
    // A misconfigured outbox is the caller's to fix, not a send that failed.
    if (ConfigurationError.isInstance(error)) throw error;
    return messages.map((message): EnqueueResult => ({ status: "failed", id: message.id, error: error as Error }));
  }
  return messages.map((message): EnqueueResult => ({ status: "enqueued", id: message.id }));
}
