import type { CoordinationStore } from "../coordination/coordination-store.js";

/**
 * A queue's paused flag, kept in the coordination store with the marks it
 * already has (`advance`: atomic, never shrinks), so no store needs a new
 * primitive: each queue has a counter that is odd while the queue is paused,
 * and every change also raises one shared counter, so a worker polls a single
 * key and reads the flags only when it moved.
 */
const changesKey = "hopper:queue-pause-changes";
const flagKey = (queue: string) => `hopper:queue-paused:${queue}`;

export async function setQueuePaused(store: CoordinationStore, queue: string, paused: boolean): Promise<void> {
  // A toggle lost to a concurrent one (the counter moved past ours) is read again until the flag says what we asked.
  for (let tries = 0; ; tries += 1) {
    const current = (await store.advance(flagKey(queue))) ?? 0;
    if (isOdd(current) === paused) break;
    const after = (await store.advance(flagKey(queue), current + 1)) ?? 0;
    if (isOdd(after) === paused) break;
    // Only a store whose marks do not grow (or a storm of toggles) gets here this often.
    if (tries >= 20) throw new Error(`could not ${paused ? "pause" : "resume"} queue ${JSON.stringify(queue)}: the coordination store's mark ${flagKey(queue)} did not take the change`);
  }
  // After the flag: a worker that sees the new count reads the flag as written.
  const changes = (await store.advance(changesKey)) ?? 0;
  await store.advance(changesKey, changes + 1);
}

export async function readQueuePaused(store: CoordinationStore, queue: string): Promise<boolean> {
  return isOdd((await store.advance(flagKey(queue))) ?? 0);
}

/** The shared change counter: read it before the flags, so a change made meanwhile moves it again. */
export async function readPauseChanges(store: CoordinationStore): Promise<number> {
  return (await store.advance(changesKey)) ?? 0;
}

function isOdd(value: number): boolean {
  return Math.abs(value % 2) === 1;
}
