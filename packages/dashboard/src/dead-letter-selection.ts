import { ConfigurationError, type Hopper } from "@hopper/core";

/** Most dead letters one bulk request acts on: a page's worth twice over, never an unbounded list. */
export const MAX_SELECTED = 100;
/**
 * How many dead letters an action receives to find the ones it names (`retry`/`take` with `ids`); the
 * backend's own receive batch bounds it further (10 on SQS). Records list dead jobs newest first, while a
 * dead-letter queue hands out its oldest first, so the search reaches well past one page.
 */
export const DEAD_LETTERS_SEARCHED = 1000;
const maxIdChars = 512;

/** A checkbox's value: the queue and the job id, which the action reads back with `readSelectedItem`. */
export function selectedItem(queue: string, id: string): string {
  return JSON.stringify([queue, id]);
}

function readSelectedItem(value: string, known: ReadonlySet<string>): { queue: string; id: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== 2 || typeof parsed[0] !== "string" || typeof parsed[1] !== "string" || parsed[1].length === 0 || parsed[1].length > maxIdChars) {
    throw new ConfigurationError({ field: "item", message: "is not a dead letter the page listed: reload the Dead letters page and select again" });
  }
  if (!known.has(parsed[0])) throw new ConfigurationError({ field: "item", message: `names a queue this Hopper does not know (${JSON.stringify(parsed[0].slice(0, 100))})` });
  return { queue: parsed[0], id: parsed[1] };
}

/** What a bulk action did, as the redirect's query: counts only, shown from a fixed notice. */
export interface SelectionOutcome {
  readonly done: "selected-retried" | "selected-discarded";
  readonly count: string;
  readonly missed: string;
}

/**
 * Retries or discards the dead letters a form names (`do`: retry, discard, or retry-shown for every row
 * the page showed), through the same `hopper.deadLetters(queue)` calls as one letter's buttons. An id
 * that is not a dead letter of its queue (a forged one, a running job's) is simply not found: it is
 * counted as missed and nothing else is touched.
 */
export async function actOnSelected(hopper: Hopper, form: URLSearchParams): Promise<SelectionOutcome> {
  const action = form.get("do");
  if (action !== "retry" && action !== "discard" && action !== "retry-shown") throw new ConfigurationError({ field: "do", message: "must be retry, discard or retry-shown" });
  const values = form.getAll(action === "retry-shown" ? "shown" : "item");
  if (values.length === 0) throw new ConfigurationError({ field: "item", message: "select at least one dead letter" });
  if (values.length > MAX_SELECTED) throw new ConfigurationError({ field: "item", message: `at most ${MAX_SELECTED} dead letters at once, got ${values.length}` });
  const known = new Set((await hopper.queues.list()).map((queue) => queue.name));
  const byQueue = new Map<string, Set<string>>();
  for (const value of values) {
    const { queue, id } = readSelectedItem(value, known);
    let ids = byQueue.get(queue);
    if (!ids) byQueue.set(queue, (ids = new Set()));
    ids.add(id);
  }
  let acted = 0;
  let asked = 0;
  for (const [queue, idSet] of byQueue) {
    const ids = [...idSet];
    asked += ids.length;
    const letters = hopper.deadLetters(queue);
    acted += action === "discard" ? (await letters.take({ ids, max: DEAD_LETTERS_SEARCHED })).length : await letters.retry({ ids, max: DEAD_LETTERS_SEARCHED });
  }
  return { done: action === "discard" ? "selected-discarded" : "selected-retried", count: String(acted), missed: String(asked - acted) };
}
