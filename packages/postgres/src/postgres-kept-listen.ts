import type { SqlExecutor } from "./postgres-executor.js";

const relistenDelayMs = 1000;

/**
 * LISTENs on `channel` until the returned stop is called. When the connection drops (a server restart, a failover,
 * `pg_terminate_backend`) the dead connection is let go and LISTEN is made again, every second until it takes;
 * notifications sent in between are missed. The first LISTEN's failure is thrown to the caller.
 */
export async function keepListening(executor: SqlExecutor, channel: string, onNotification: (payload: string) => void): Promise<() => Promise<void>> {
  const listen = executor.listen;
  if (!listen) throw new Error("keepListening needs an executor that can LISTEN");
  let stopped = false;
  let current: (() => Promise<void>) | undefined;
  let retry: NodeJS.Timeout | undefined;

  const scheduleRetry = () => {
    if (stopped || retry !== undefined) return;
    retry = setTimeout(() => {
      retry = undefined;
      void listenOnce().catch(scheduleRetry);
    }, relistenDelayMs);
    retry.unref();
  };

  const listenOnce = async () => {
    let unlisten: (() => Promise<void>) | undefined;
    let lost = false;
    // Each connection's own drop: a late error of one already replaced must not drop its successor.
    const onDropped = () => {
      if (lost) return;
      lost = true;
      if (current === unlisten) current = undefined;
      void unlisten?.().catch(() => {});
      scheduleRetry();
    };
    unlisten = await listen(channel, onNotification, onDropped);
    if (stopped) return unlisten();
    if (lost) {
      await unlisten().catch(() => {});
      return;
    }
    current = unlisten;
  };

  try {
    await listenOnce();
  } catch (error) {
    // pg fails the LISTEN and reports the drop in one tick: the retry that scheduled must not outlive this failure.
    stopped = true;
    clearTimeout(retry);
    throw error;
  }
  return async () => {
    stopped = true;
    clearTimeout(retry);
    const unlisten = current;
    current = undefined;
    await unlisten?.();
  };
}
