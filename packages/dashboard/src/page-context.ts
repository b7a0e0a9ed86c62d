import { redactCredentials, type DeadLetter, type Hopper } from "@hopper/core";
import { CSRF_FIELD } from "./csrf.js";
import { html, type SafeHtml } from "./html.js";
import type { PageName } from "./layout.js";
import type { RedactRecordArgs } from "./redact-args.js";

/** What the dashboard shows of a job's args, given the job; return the args (or a copy without secrets) to show them. */
export type RedactArgs = (args: unknown, job: { readonly id: string; readonly job: string | null; readonly queue: string }) => unknown;

export interface PageContext {
  readonly hopper: Hopper;
  readonly base: string;
  readonly query: URLSearchParams;
  readonly readOnly: boolean;
  readonly csrfToken: string;
  readonly redact: RedactArgs | undefined;
  /** The Job page's redaction of a record's args: the option given, else `defaultRedactArgs`. */
  readonly redactArgs: RedactRecordArgs;
  readonly now: number;
}

export interface RenderedPage {
  readonly page: PageName;
  readonly title: string;
  readonly body: SafeHtml;
  readonly status?: number;
}

/** A POST button with the CSRF field; nothing at all in read-only mode. */
export function actionButton(context: PageContext, action: string, fields: Record<string, string>, label: string, style: "primary" | "danger" | "" = ""): SafeHtml {
  if (context.readOnly) return html``;
  return html`<form class="inline" method="post" action="${context.base}/${action}"><input type="hidden" name="${CSRF_FIELD}" value="${context.csrfToken}">${Object.entries(fields).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)}<button type="submit" class="${style}">${label}</button></form>`;
}

const notices: Record<string, (query: URLSearchParams, known: ReadonlySet<string>) => string> = {
  paused: (query, known) => `${queueNamed(query, known)} paused: workers stop starting its jobs within their pause check.`,
  resumed: (query, known) => `${queueNamed(query, known)} resumed.`,
  cancelled: () => "Job cancelled: it will not start.",
  stopping: () => "Cancel requested: the worker running the job is stopping it.",
  "not-cancelled": () => "The job had already finished: nothing to cancel.",
  retried: () => "Dead letter moved back to its queue as a fresh first attempt.",
  "not-retried": () => "Nothing was retried: the dead letter was not among the first ones received (another dashboard or worker may hold it), or it cannot run on its queue.",
  discarded: () => "Dead letter discarded.",
  "not-discarded": () => "Nothing was discarded: the dead letter was not among the first ones received.",
  "selected-retried": (query) => `${count(query, "count")} dead letters moved back to their queues${missed(query)}. Their records say dead until a worker starts them.`,
  "selected-discarded": (query) => `${count(query, "count")} dead letters discarded${missed(query)}.`,
};

// Counts from the query, as numbers only: the redirect's query never carries text to show.
const count = (query: URLSearchParams, name: string) => String(Math.max(0, Math.min(1_000_000, Number.parseInt(query.get(name) ?? "0", 10) || 0)));
const missed = (query: URLSearchParams) => (count(query, "missed") === "0" ? "" : `; ${count(query, "missed")} not found among the dead letters received (already retried or discarded, not dead, or further back than the search reaches)`);

// A queue the query names is shown only when the page knows it: a link must not make the dashboard say any text it carries.
const queueNamed = (query: URLSearchParams, known: ReadonlySet<string>) => {
  const queue = query.get("queue");
  return queue !== null && known.has(queue) ? `Queue ${queue}` : "The queue";
};

/**
 * The outcome of the last action, from a fixed list (the query names it; it never carries text to show, but for a
 * queue's name among `knownQueues`, the ones the page lists).
 */
export function notice(context: PageContext, knownQueues: ReadonlySet<string> = new Set()): SafeHtml {
  const render = notices[context.query.get("done") ?? ""];
  if (!render) return html``;
  const failed = context.query.get("done")!.startsWith("not-");
  return html`<p class="notice${failed ? " error" : ""}" role="status">${render(context.query, knownQueues)}</p>`;
}

export function errorBox(message: string): SafeHtml {
  return html`<p class="notice error" role="alert">${message}</p>`;
}

/** An error as a page or an answer shows it: a backend's message may quote its connection string, so credentials are hidden. */
export function errorText(error: unknown): string {
  return redactCredentials(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
}

/** Args as the dashboard shows them: hidden unless `redact` is given, then whatever it returns. */
export function shownArgs(context: PageContext, letter: Pick<DeadLetter, "id" | "job" | "queue">, args: unknown): SafeHtml {
  if (!context.redact) return html`<span class="muted">hidden (pass redact to createDashboard to show args)</span>`;
  let shown: unknown;
  try {
    shown = context.redact(args, { id: letter.id, job: letter.job, queue: letter.queue });
  } catch (error) {
    return html`<span class="muted">hidden: redact threw ${errorText(error)}</span>`;
  }
  let text: string;
  try {
    text = JSON.stringify(shown, null, 2) ?? "undefined";
  } catch {
    text = String(shown);
  }
  return html`<pre>${text}</pre>`;
}
