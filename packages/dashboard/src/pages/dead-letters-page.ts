import { ConfigurationError, type DeadLetter, type JobPage } from "@hopper/core";
import { ago, html, isoOrDash, type SafeHtml } from "../html.js";
import { selectedItem } from "../dead-letter-selection.js";
import { CSRF_FIELD } from "../csrf.js";
import { actionButton, errorBox, errorText, notice, shownArgs, type PageContext, type RenderedPage } from "../page-context.js";

/** Dead letters shown per page (records) or per queue (peek: the first ones the backend hands out). */
export const DEAD_LETTERS_SHOWN = 50;

/**
 * With job records, dead jobs are listed from them (`hopper.jobs.list({ state: "dead" })`, an index:
 * no dead letter is received to show the page); without, or with `?source=letters`, by receiving
 * the dead letters themselves (`peek`), which also shows their args.
 */
export async function deadLettersPage(context: PageContext): Promise<RenderedPage> {
  let known: string[];
  try {
    known = (await context.hopper.queues.list()).map((queue) => queue.name);
  } catch (error) {
    return { page: "dead-letters", title: "Dead letters", status: 503, body: errorBox(`Could not list the queues: ${errorText(error)}`) };
  }
  const chosen = context.query.get("queue") ?? "";
  const queue = chosen && known.includes(chosen) ? chosen : "";
  const jobFilter = (context.query.get("job") ?? "").trim();
  if (known.length === 0) return { page: "dead-letters", title: "Dead letters", body: html`${filterForm(context, known, queue, jobFilter)}<div class="card empty">No queues yet: register jobs with createHopper({ jobs }).</div>` };
  if (context.query.get("source") !== "letters") {
    const listed = await fromRecords(context, known, queue, jobFilter);
    if (listed) return listed;
  }
  return fromLetters(context, known, queue, jobFilter);
}

async function fromRecords(context: PageContext, known: readonly string[], queue: string, jobFilter: string): Promise<RenderedPage | undefined> {
  const after = context.query.get("after") ?? undefined;
  let page: JobPage;
  try {
    page = await context.hopper.jobs.list({ state: "dead", limit: DEAD_LETTERS_SHOWN, ...(queue && { queue }), ...(jobFilter && { job: jobFilter }), ...(after && { after }) });
  } catch (error) {
    // Records off, or a store that cannot list: the dead letters themselves, as before records.
    if (ConfigurationError.isInstance(error) && (error.field === "records" || error.field === "records.store")) return undefined;
    const status = ConfigurationError.isInstance(error) ? 400 : 503;
    return { page: "dead-letters", title: "Dead letters", status, body: html`${filterForm(context, known, queue, jobFilter)}${errorBox(`Could not list the dead jobs: ${errorText(error)}`)}` };
  }
  const source = html`<p class="muted" data-source="records">Listed from job records (state dead), newest first, ${DEAD_LETTERS_SHOWN} a page. To see the letters as they are kept: <a href="${context.base}/dead-letters?${query({ queue, job: jobFilter, source: "letters" })}">show the dead letters themselves</a> (with args, the first ${DEAD_LETTERS_SHOWN} per queue).</p>`;
  const rows = page.records.map((record) => {
    const item = selectedItem(record.queue, record.id);
    return html`<tr data-dead-letter="${record.id}">
<td>${context.readOnly ? "" : html`<input type="checkbox" name="item" value="${item}" form="dead-selection" aria-label="select ${record.id}"><input type="hidden" name="shown" value="${item}" form="dead-shown">`}</td>
<td data-label="Job"><a href="${context.base}/jobs?id=${encodeURIComponent(record.id)}">${record.job}</a><br><code class="muted">${record.id}</code></td>
<td data-label="Queue">${record.queue}</td>
<td data-label="Error"><pre>${record.error ? `${record.error.name}: ${record.error.message}` : "—"}</pre></td>
<td class="number" data-label="Attempt">${record.attempt}</td>
<td data-label="Died" title="${isoOrDash(record.finishedAt)}">${ago(record.finishedAt, context.now)}</td>
<td>${actionButton(context, "dead-letters/retry", { queue: record.queue, id: record.id }, "Retry", "primary")} ${actionButton(context, "dead-letters/discard", { queue: record.queue, id: record.id }, "Discard", "danger")}</td>
</tr>`;
  });
  const table =
    page.records.length === 0
      ? html`<div class="card empty">No dead jobs${queue ? html` on ${queue}` : ""}${jobFilter ? html` of ${jobFilter}` : ""}${after ? " further back" : ""}: jobs land here once their retries run out.</div>`
      : html`${selectionForm(context)}<div class="scroll"><table class="stack">
<thead><tr><th></th><th>Job</th><th>Queue</th><th>Last error</th><th>Attempt</th><th>Died</th><th></th></tr></thead>
<tbody>${rows}</tbody></table></div>`;
  const next = page.next ? html`<p><a rel="next" href="${context.base}/dead-letters?${query({ queue, job: jobFilter, after: page.next })}">Next ${DEAD_LETTERS_SHOWN} (older)</a></p>` : "";
  const first = after ? html`<p><a href="${context.base}/dead-letters?${query({ queue, job: jobFilter })}">Newest</a></p>` : "";
  return { page: "dead-letters", title: "Dead letters", body: html`${filterForm(context, known, queue, jobFilter)}${notice(context)}${source}${table}${first}${next}` };
}

/**
 * The bulk forms the rows' fields belong to (by `form=`), since each row's own buttons are forms already:
 * the ticked boxes go with Retry/Discard selected, every row's hidden item with Retry all shown.
 */
function selectionForm(context: PageContext): SafeHtml {
  if (context.readOnly) return html``;
  return html`<form id="dead-selection" class="search" method="post" action="${context.base}/dead-letters/selected"><input type="hidden" name="${CSRF_FIELD}" value="${context.csrfToken}">
<button type="submit" name="do" value="retry" class="primary">Retry selected</button><button type="submit" name="do" value="discard" class="danger">Discard selected</button></form>
<form id="dead-shown" class="search" method="post" action="${context.base}/dead-letters/selected"><input type="hidden" name="${CSRF_FIELD}" value="${context.csrfToken}"><button type="submit" name="do" value="retry-shown">Retry all shown</button></form>`;
}

function filterForm(context: PageContext, known: readonly string[], chosen: string, jobFilter: string): SafeHtml {
  return html`<form class="search" method="get" action="${context.base}/dead-letters"><select name="queue" aria-label="queue"><option value="">every queue</option>${known.map((name) => html`<option value="${name}"${name === chosen ? html` selected` : ""}>${name}</option>`)}</select><input type="text" name="job" value="${jobFilter}" placeholder="job name" aria-label="job name">${context.query.get("source") === "letters" ? html`<input type="hidden" name="source" value="letters">` : ""}<button type="submit">Filter</button></form>`;
}

const query = (fields: Record<string, string>) => new URLSearchParams(Object.entries(fields).filter(([, value]) => value !== "")).toString();

async function fromLetters(context: PageContext, known: readonly string[], chosen: string, jobFilter: string): Promise<RenderedPage> {
  const queues = chosen ? [chosen] : known;
  const sections = await Promise.all(
    queues.map(async (queue) => {
      let letters: DeadLetter[];
      try {
        letters = await context.hopper.deadLetters(queue).peek({ max: DEAD_LETTERS_SHOWN });
      } catch (error) {
        return html`<h2>${queue}</h2>${errorBox(`Could not read the dead letters: ${errorText(error)}`)}`;
      }
      const shown = jobFilter ? letters.filter((letter) => letter.job === jobFilter) : letters;
      if (shown.length === 0) return chosen ? html`<h2>${queue}</h2><div class="card empty">No dead letters${jobFilter ? html` of ${jobFilter}` : ""}: jobs land here once their retries run out.</div>` : html``;
      return html`<h2>${queue}</h2><div class="scroll"><table class="stack">
<thead><tr><th>Job</th><th>Reason and error</th><th>Attempt</th><th>Failed</th><th>Args</th><th></th></tr></thead>
<tbody>${shown.map(
        (letter) => html`<tr data-dead-letter="${letter.id}">
<td data-label="Job"><a href="${context.base}/jobs?id=${encodeURIComponent(letter.id)}">${letter.job ?? "(unreadable)"}</a><br><code class="muted">${letter.id}</code></td>
<td data-label="Reason">${letter.reason}<pre>${letter.error.name}: ${letter.error.message}</pre></td>
<td class="number" data-label="Attempt">${letter.attempt ?? "—"}</td>
<td data-label="Failed" title="${isoOrDash(letter.failedAt)}">${ago(letter.failedAt, context.now)}</td>
<td data-label="Args">${letter.envelope ? shownArgs(context, letter, letter.envelope.args) : html`<span class="muted">no envelope</span>`}</td>
<td>${letter.envelope ? actionButton(context, "dead-letters/retry", { queue, id: letter.id }, "Retry", "primary") : ""} ${actionButton(context, "dead-letters/discard", { queue, id: letter.id }, "Discard", "danger")}</td>
</tr>`,
      )}</tbody></table></div>${letters.length >= DEAD_LETTERS_SHOWN ? html`<p class="muted">Showing the first ${DEAD_LETTERS_SHOWN}.</p>` : ""}`;
    }),
  );
  const anything = sections.some((section) => section.text !== "");
  const source = html`<p class="muted" data-source="letters">Listed by receiving the dead letters and handing them back (peek), the first ${DEAD_LETTERS_SHOWN} per queue${context.query.get("source") === "letters" ? "" : ": turn on job records (createHopper({ records: {} })) to list every dead job from an index, with paging and bulk actions"}.</p>`;
  return {
    page: "dead-letters",
    title: "Dead letters",
    body: html`${filterForm(context, known, chosen, jobFilter)}${notice(context)}${source}${anything ? sections : html`<div class="card empty">No dead letters: jobs land here once their retries run out.</div>`}`,
  };
}
