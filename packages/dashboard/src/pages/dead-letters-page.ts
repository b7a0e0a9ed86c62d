import type { DeadLetter } from "@hopper/core";
import { ago, html, isoOrDash } from "../html.js";
import { actionButton, errorBox, errorText, notice, shownArgs, type PageContext, type RenderedPage } from "../page-context.js";

/** Dead letters shown per queue: the first ones the backend hands out (peek receives and puts back). */
export const DEAD_LETTERS_SHOWN = 50;

export async function deadLettersPage(context: PageContext): Promise<RenderedPage> {
  let known: string[];
  try {
    known = (await context.hopper.queues.list()).map((queue) => queue.name);
  } catch (error) {
    return { page: "dead-letters", title: "Dead letters", status: 503, body: errorBox(`Could not list the queues: ${errorText(error)}`) };
  }
  const chosen = context.query.get("queue") ?? "";
  const jobFilter = (context.query.get("job") ?? "").trim();
  const queues = chosen && known.includes(chosen) ? [chosen] : known;
  const filter = html`<form class="search" method="get" action="${context.base}/dead-letters"><select name="queue" aria-label="queue"><option value="">every queue</option>${known.map((name) => html`<option value="${name}"${name === chosen ? html` selected` : ""}>${name}</option>`)}</select><input type="text" name="job" value="${jobFilter}" placeholder="job name" aria-label="job name"><button type="submit">Filter</button></form>`;
  if (known.length === 0) return { page: "dead-letters", title: "Dead letters", body: html`${filter}<div class="card empty">No queues yet: register jobs with createHopper({ jobs }).</div>` };

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
  return {
    page: "dead-letters",
    title: "Dead letters",
    body: html`${filter}${notice(context)}${anything ? sections : html`<div class="card empty">No dead letters: jobs land here once their retries run out.</div>`}`,
  };
}
