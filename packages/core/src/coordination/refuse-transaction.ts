import { ConfigurationError } from "../errors/configuration-error.js";
import type { TransactionOption } from "./coordination-store.js";

/** For stores that cannot join a database transaction: refuse one rather than act outside it. */
export function refuseTransaction(storeName: string, options: TransactionOption | undefined): void {
  if (options?.transaction === undefined) return;
  throw new ConfigurationError({
    field: "coordination",
    message: `the ${storeName} coordination store cannot join a database transaction, so a unique job enqueued with set({ transaction }) would keep its key after a rollback: pass createHopper({ coordination: createPostgresCoordinationStore({ connectionString }) }) on the database of the transaction (with an outbox, the outbox's database)`,
  });
}
