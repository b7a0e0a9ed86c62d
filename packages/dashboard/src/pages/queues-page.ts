import { html } from "../html.js";
import { actionButton, errorBox, errorText, notice, type PageContext, type RenderedPage } from "../page-context.js";

const count = (value: number | undefined) => (value === undefined ? html`<span class="muted" title="the backend keeps no count">—</span>` : html`${value}`);

export async function queuesPage(context: PageContext): Promise<RenderedPage> {
  let queues;
  try {
    queues = await context.hopper.queues.list();
  } catch (error) {
    return { page: "queues", title: "Queues", status: 503, body: html`${errorBox(`Could not list the queues: ${errorText(error)}`)}` };
  }
  if (queues.length === 0) {
    return { page: "queues", title: "Queues", body: html`<div class="card empty">No queues yet: the dashboard shows the queues of the jobs its Hopper registers (createHopper({ jobs }), or hopper dashboard --jobs ./jobs.js).</div>` };
  }
  const rows = queues.map(
    (queue) => html`<tr data-queue="${queue.name}">
<td data-label="Queue"><a href="${context.base}/dead-letters?queue=${encodeURIComponent(queue.name)}">${queue.name}</a></td>
<td data-label="State">${queue.paused ? html`<span class="badge warn">paused</span>` : html`<span class="badge ok">running</span>`}</td>
<td class="number" data-label="Ready" data-count="ready">${count(queue.stats?.ready)}</td>
<td class="number" data-label="Delayed" data-count="delayed">${count(queue.stats?.delayed)}</td>
<td class="number" data-label="In flight" data-count="in-flight">${count(queue.stats?.inFlight)}</td>
<td class="number" data-label="Dead" data-count="dead">${count(queue.dead)}</td>
<td>${queue.paused ? actionButton(context, "queues/resume", { queue: queue.name }, "Resume", "primary") : actionButton(context, "queues/pause", { queue: queue.name }, "Pause")}</td>
</tr>`,
  );
  return {
    page: "queues",
    title: "Queues",
    body: html`${notice(context)}<div class="scroll"><table class="stack">
<thead><tr><th>Queue</th><th>State</th><th class="number">Ready</th><th class="number">Delayed</th><th class="number">In flight</th><th class="number">Dead</th><th></th></tr></thead>
<tbody>${rows}</tbody></table></div>
<p class="muted">Counts come from the backend's stats; "—" where it keeps none. A paused queue still takes enqueues; workers finish its running jobs and start no new ones.</p>`,
  };
}
