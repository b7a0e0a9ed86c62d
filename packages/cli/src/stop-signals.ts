/** Resolves (and aborts `signal`) on the first SIGTERM or SIGINT, for commands that run until stopped (`stats --watch`). */
export function untilStopSignal(): { promise: Promise<void>; signal: AbortSignal; dispose(): void } {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  const stopped = new AbortController();
  const onSignal = () => {
    stopped.abort();
    resolve();
  };
  process.once("SIGTERM", onSignal);
  process.once("SIGINT", onSignal);
  return {
    promise,
    signal: stopped.signal,
    dispose() {
      process.off("SIGTERM", onSignal);
      process.off("SIGINT", onSignal);
    },
  };
}
