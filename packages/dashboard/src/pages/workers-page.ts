import type { WorkerInfo } from "@hopper/core";
import { ago, html } from "../html.js";
import { errorBox, errorText, type PageContext, type RenderedPage } from "../page-context.js";

export async function workersPage(context: PageContext): Promise<RenderedPage> {
  let workers: WorkerInfo[];
  try {
    workers = await context.hopper.workers.list();
  } catch (error) {
    return { page: "workers", title: "Workers", status: 503, body: errorBox(`Could not list the workers: ${errorText(error)}`) };
  }
  if (workers.length === 0) return { page: "workers", title: "Workers", body: html`<div class="card empty">No workers running: start one with hopper worker (or hopper.worker().run()); it shows here within a heartbeat.</div>` };
  // Which payload version of each job runs where: during a rolling deploy, two versions side by side.
  const versions = new Map<string, Map<number, number>>();
  for (const worker of workers) {
    for (const [job, version] of Object.entries(worker.jobs)) {
      const byVersion = versions.get(job) ?? new Map<number, number>();
      byVersion.set(version, (byVersion.get(version) ?? 0) + 1);
      versions.set(job, byVersion);
    }
  }
  return {
    page: "workers",
    title: "Workers",
    body: html`<div class="scroll"><table class="stack">
<thead><tr><th>Host</th><th class="number">Pid</th><th>Queues</th><th class="number">Running</th><th>Hopper</th><th>Started</th><th>Last heartbeat</th></tr></thead>
<tbody>${workers.map(
      (worker) => html`<tr data-worker="${worker.id}"><td data-label="Host">${worker.host}</td><td class="number" data-label="Pid">${worker.pid}</td><td data-label="Queues">${worker.queues.join(", ")}</td><td class="number" data-label="Running">${worker.running} / ${worker.concurrency}</td><td data-label="Hopper">${worker.hopperVersion}</td><td data-label="Started">${ago(worker.startedAt, context.now)}</td><td data-label="Last heartbeat">${ago(worker.lastSeenAt, context.now)}</td></tr>`,
    )}</tbody></table></div>
<h2>Payload versions deployed</h2>
<div class="scroll"><table><thead><tr><th>Job</th><th>Versions (workers)</th></tr></thead>
<tbody>${[...versions].map(
      ([job, byVersion]) => html`<tr><td>${job}</td><td>${[...byVersion].sort(([a], [b]) => a - b).map(([version, count]) => html`<span class="badge${byVersion.size > 1 ? " warn" : ""}">v${version} × ${count}</span> `)}</td></tr>`,
    )}</tbody></table></div>`,
  };
}
