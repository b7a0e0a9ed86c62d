import { outboxStoreFromUrl } from "../backend-url.js";
import { checkOutboxStore, type OutboxStore } from "./outbox-store.js";

/**
 * The Hopper's outbox from its option: a store as given, or one opened from a
 * URL on first use (so createHopper stays synchronous); undefined without one.
 */
export function openOutbox(option: OutboxStore | string | undefined): OutboxStore | undefined {
  if (option === undefined) return undefined;
  if (typeof option !== "string") return checkOutboxStore(option);
  let opening: Promise<OutboxStore> | undefined;
  const open = () => {
    opening ??= outboxStoreFromUrl(option).then(checkOutboxStore);
    // A failed open is tried again by the next call.
    opening.catch(() => (opening = undefined));
    return opening;
  };
  let closed = false;
  return {
    name: "outbox",
    stage: async (messages, transaction) => (await open()).stage(messages, transaction),
    acquireRelay: async (signal) => (await open()).acquireRelay(signal),
    async close() {
      if (closed) return;
      closed = true;
      if (opening) await (await opening.catch(() => undefined))?.close();
    },
  };
}
