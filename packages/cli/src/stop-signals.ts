/** Resolves on the first SIGTERM or SIGINT, for commands that run until stopped (`stats --watch`). */
export function untilStopSignal(): { promise: Promise<void>; dispose(): void } {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  const onSignal = () => resolve();
  process.once("SIGTERM", onSignal);
  process.once("SIGINT", onSignal);
  return {
    promise,
    dispose() {
      process.off("SIGTERM", onSignal);
      process.off("SIGINT", onSignal);
    },
  };
}
