/**
 * The call's result, or undefined as soon as a signal aborts. A call given up
 * on may still fail later (its connection closing flushes it): that failure is
 * swallowed here, because nobody is left to hear it and an unheard rejection
 * ends the process.
 */
export function untilAborted<T>(call: Promise<T>, signals: readonly (AbortSignal | undefined)[]): Promise<T | undefined> {
  if (signals.some((signal) => signal?.aborted)) {
    call.catch(() => {});
    return Promise.resolve(undefined);
  }
  return new Promise((resolve, reject) => {
    const done = () => {
      for (const signal of signals) signal?.removeEventListener("abort", done);
      resolve(undefined);
    };
    for (const signal of signals) signal?.addEventListener("abort", done, { once: true });
    call.then(
      (value) => {
        for (const signal of signals) signal?.removeEventListener("abort", done);
        resolve(value);
      },
      (error: unknown) => {
        for (const signal of signals) signal?.removeEventListener("abort", done);
        reject(error);
      },
    );
  });
}
