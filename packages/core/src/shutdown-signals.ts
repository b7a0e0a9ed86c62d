import type { Logger } from "./logger.js";

/** Calls `stop` on the first SIGTERM or SIGINT; returns the function that removes the handlers. */
export function onShutdownSignals(logger: Logger, what: string, stop: () => unknown): () => void {
  const onSignal = (signal: NodeJS.Signals) => {
    logger.info(`${signal} received; stopping the ${what}`);
    void stop();
  };
  process.once("SIGTERM", onSignal);
  process.once("SIGINT", onSignal);
  return () => {
    process.off("SIGTERM", onSignal);
    process.off("SIGINT", onSignal);
  };
}
