import { isConnectionFailure } from "@hopper/core/backend";

// SQLSTATE class 08 (connection exception) and the shutdown codes: admin_shutdown, crash_shutdown, cannot_connect_now (recovering).
const lostConnectionStates = /^(08|57P0[123])/;
// What node-postgres says when the server goes away without a SQLSTATE.
const lostConnectionMessages = /Connection terminated|Client has encountered a connection error|Connection ended|server closed the connection/i;

/**
 * Whether a statement failed because the server could not be reached or went
 * away (a restart, a failover): the statement may simply be made again once
 * it is back, where making it again is safe.
 */
export function isPostgresConnectionLoss(error: unknown): boolean {
  if (isConnectionFailure(error)) return true;
  if (!(error instanceof Error)) return false;
  const { code } = error as { code?: unknown };
  return (typeof code === "string" && lostConnectionStates.test(code)) || lostConnectionMessages.test(error.message);
}
