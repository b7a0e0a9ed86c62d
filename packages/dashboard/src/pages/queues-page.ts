import type { QueueHistory, QueueInfo } from "@hopper/core";
import { historyChart, historyFigures } from "../history-chart.js";
import { html, type SafeHtml } from "../html.js";
import { actionButton, errorBox, errorText, notice, type PageContext, type RenderedPage } from "../page-context.js";

/** The span the queues page charts. */
const historyMinutes = 15;

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
    body: html`${notice(context, new Set(queues.map((queue) => queue.name)))}<div class="scroll"><table class="stack">
<thead><tr><th>Queue</th><th>State</th><th class="number">Ready</th><th class="number">Delayed</th><th class="number">In flight</th><th class="number">Dead</th><th></th></tr></thead>
<tbody>${rows}</tbody></table></div>
<p class="muted">Counts come from the backend's stats; "—" where it keeps none. A paused queue still takes enqueues; workers finish its running jobs and start no new ones.</p>
${await historySection(context, queues)}`,
  };
}

/** Each queue's last minutes from `hopper.queues.history`: a chart of runs completed and failed, and the totals. */
async function historySection(context: PageContext, queues: readonly QueueInfo[]): Promise<SafeHtml> {
  const read = await Promise.allSettled(queues.map((queue) => context.hopper.queues.history(queue.name, { minutes: historyMinutes })));
  const heading = html`<h2>Last ${historyMinutes} minutes</h2>`;
  // Without a shared coordination store the list above already failed, naming it; a store failing now shows per queue.
  const cards = queues.map((queue, index) => {
    const result = read[index]!;
    if (result.status === "rejected") return html`<div class="card" data-history-queue="${queue.name}"><h3>${queue.name}</h3>${errorBox(`Could not read its history: ${errorText(result.reason)}`)}</div>`;
    return historyCard(queue.name, result.value);
  });
  return html`${heading}<div class="history">${cards}</div>
<p class="muted">Runs per 10 s (completed, failed on top), written by each worker once a bucket ends, so the last 10–20 s are not in yet. Latency: from when a job was due to its first attempt's start.</p>`;
}

function historyCard(name: string, history: QueueHistory): SafeHtml {
  const { total } = history;
  if (total.completed + total.failed + total.dead + total.started === 0) {
    return html`<div class="card" data-history-queue="${name}"><h3>${name}</h3><p class="empty" data-history="empty">Nothing ran in the last ${historyMinutes} minutes: start a worker on this queue (hopper.worker({ queues: [${JSON.stringify(name)}] }).run()).</p></div>`;
  }
  return html`<div class="card" data-history-queue="${name}"><h3>${name}</h3>${historyChart(history, `${name}: runs per 10 s over the last ${historyMinutes} minutes, ${total.completed} completed, ${total.failed} failed`)}${historyFigures(history)}</div>`;
}
