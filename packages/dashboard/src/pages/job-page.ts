import { ConfigurationError, type JobRecord } from "@hopper/core";
import { ago, html, isoOrDash, type SafeHtml } from "../html.js";
import { actionButton, errorBox, errorText, notice, type PageContext, type RenderedPage } from "../page-context.js";

const unfinished = new Set(["waiting", "scheduled", "retrying", "held", "running"]);
const stateStyle: Record<string, string> = { succeeded: "ok", failed: "bad", dead: "bad", cancelled: "muted", running: "warn", retrying: "warn", held: "warn" };

export async function jobPage(context: PageContext): Promise<RenderedPage> {
  const id = (context.query.get("id") ?? "").trim();
  const search = html`<form class="search" method="get" action="${context.base}/jobs" role="search"><input type="search" name="id" value="${id}" placeholder="job id" aria-label="job id" maxlength="512"><button type="submit" class="primary">Find job</button></form>`;
  if (id === "") return { page: "jobs", title: "Jobs", body: html`${search}<div class="card empty">Paste a job id (performLater returns it) to see its state, attempts, progress and last error.</div>` };
  let record: JobRecord | null;
  try {
    record = await context.hopper.jobs.get(id);
  } catch (error) {
    // A bad id or records off is the request's to fix (400); a store that did not answer is not (503, as the other pages).
    return { page: "jobs", title: "Jobs", status: ConfigurationError.isInstance(error) ? 400 : 503, body: html`${search}${errorBox(`Could not read job ${id}: ${errorText(error)}`)}` };
  }
  if (!record) return { page: "jobs", title: "Jobs", status: 404, body: html`${search}<div class="card empty">No job ${id}: never enqueued with records on, or its record expired.</div>` };
  const actions = [
    record.state === "dead" ? actionButton(context, "jobs/retry", { id: record.id }, "Retry", "primary") : html``,
    unfinished.has(record.state) && !record.cancelRequested ? actionButton(context, "jobs/cancel", { id: record.id }, "Cancel", "danger") : html``,
  ];
  return {
    page: "jobs",
    title: `Job ${record.job}`,
    body: html`${search}${notice(context)}<div class="card"><dl class="fields">
<dt>Id</dt><dd><code>${record.id}</code></dd>
<dt>Job</dt><dd>${record.job}</dd>
<dt>Queue</dt><dd>${record.queue}</dd>
<dt>State</dt><dd><span class="badge ${stateStyle[record.state] ?? "muted"}" data-state="${record.state}">${record.state}</span>${record.heldBy ? html` <span class="muted" data-held-by="${record.heldBy}">by ${record.heldBy}</span>` : ""}${record.cancelRequested ? html` <span class="badge warn">cancel requested</span>` : ""}${record.hung ? html` <span class="badge bad" data-hung title="past its timeout and ignoring its signal: it keeps its worker slot and lease until perform returns">hung</span>` : ""}</dd>
<dt>Attempt</dt><dd>${record.attempt}</dd>
${record.batchId ? html`<dt>Batch</dt><dd><code data-batch-id="${record.batchId}">${record.batchId}</code></dd>` : ""}
${record.parentId ? html`<dt>Parent</dt><dd><a href="${context.base}/jobs?id=${encodeURIComponent(record.parentId)}" data-parent-id="${record.parentId}"><code>${record.parentId}</code></a> <span class="muted">runs once every job of its flow succeeded</span></dd>` : ""}
<dt>Progress</dt><dd>${record.progress === null ? html`<span class="muted">—</span>` : html`<pre>${JSON.stringify(record.progress, null, 2)}</pre>`}</dd>
<dt>Enqueued</dt><dd>${isoOrDash(record.enqueuedAt)} <span class="muted">(${ago(record.enqueuedAt, context.now)})</span></dd>
<dt>Run at</dt><dd>${isoOrDash(record.runAt)}</dd>
<dt>Started</dt><dd>${isoOrDash(record.startedAt)}</dd>
<dt>Finished</dt><dd>${isoOrDash(record.finishedAt)}</dd>
<dt>Last error</dt><dd>${record.error ? html`<pre>${record.error.name}: ${record.error.message}</pre>` : html`<span class="muted">none</span>`}</dd>
<dt>Result</dt><dd>${record.result === null ? html`<span class="muted">—</span>` : html`<pre>${JSON.stringify(record.result, null, 2)}</pre>`}</dd>
<dt>Args</dt><dd>${argsShown(context, record)}</dd>
</dl><div class="actions">${actions}</div></div>`,
  };
}

/** The record's args through the dashboard's redaction, as pretty JSON; or why there are none to show. */
function argsShown(context: PageContext, record: JobRecord): SafeHtml {
  const args = record.args;
  if (!args.kept) {
    const deadLetter = record.state === "dead" ? html`; this dead job's envelope is on the <a href="${context.base}/dead-letters?queue=${encodeURIComponent(record.queue)}&amp;source=letters">dead letters</a> page` : "";
    const why =
      args.reason === "too-large"
        ? `not kept: ${args.sizeBytes} bytes of JSON, over records.maxArgsBytes`
        : args.reason === "off"
          ? "not kept: records.args is false in this Hopper"
          : "none in this record: enqueued by a Hopper with records.args false or before records kept args, or its record was made when it started";
    return html`<span class="muted" data-args-missing="${args.reason}">${why}${deadLetter}</span>`;
  }
  let text: string | undefined;
  try {
    const shown = context.redactArgs(args.value, record);
    // A promise would print as {}: the page renders synchronously, so say so rather than show nothing.
    if (typeof (shown as { then?: unknown } | null)?.then === "function") {
      return html`<span class="muted" data-args-missing="redaction-failed">args hidden: redaction failed (it returned a promise; redactArgs must return the value)</span>`;
    }
    // JSON.stringify refuses BigInts and cycles, and returns undefined for functions and undefined: all hidden alike.
    text = JSON.stringify(shown, null, 2);
  } catch (error) {
    return html`<span class="muted" data-args-missing="redaction-failed">args hidden: redaction failed (${error instanceof Error ? error.name : typeof error})</span>`;
  }
  if (text === undefined) return html`<span class="muted" data-args-missing="redaction-failed">args hidden: redaction failed (it returned no JSON value)</span>`;
  return html`<pre data-args>${text}</pre>`;
}
