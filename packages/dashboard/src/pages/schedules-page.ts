import type { ScheduleInfo } from "@hopper/core";
import { ago, html, isoOrDash } from "../html.js";
import { errorBox, errorText, type PageContext, type RenderedPage } from "../page-context.js";

export async function schedulesPage(context: PageContext): Promise<RenderedPage> {
  let schedules: ScheduleInfo[];
  try {
    schedules = await context.hopper.schedules.list();
  } catch (error) {
    return { page: "schedules", title: "Schedules", status: 503, body: errorBox(`Could not list the schedules: ${errorText(error)}`) };
  }
  if (schedules.length === 0) {
    return { page: "schedules", title: "Schedules", body: html`<div class="card empty">No recurring jobs: the dashboard shows those its Hopper registers with hopper.schedule(name, cron, Job, args) (the CLI: a schedules(hopper) export of --jobs).</div>` };
  }
  const until = (at: string | null) => {
    if (!at) return "—";
    const seconds = Math.max(0, Math.round((Date.parse(at) - context.now) / 1000));
    return seconds < 60 ? `in ${seconds}s` : seconds < 3600 ? `in ${Math.floor(seconds / 60)}m` : seconds < 86_400 ? `in ${Math.floor(seconds / 3600)}h` : `in ${Math.floor(seconds / 86_400)}d`;
  };
  return {
    page: "schedules",
    title: "Schedules",
    body: html`<div class="scroll"><table class="stack">
<thead><tr><th>Name</th><th>Cron</th><th>Time zone</th><th>Job</th><th>Queue</th><th>Last tick</th><th>Next tick</th></tr></thead>
<tbody>${schedules.map(
      (schedule) => html`<tr data-schedule="${schedule.name}"><td data-label="Name">${schedule.name}</td><td data-label="Cron"><code>${schedule.cron}</code></td><td data-label="Time zone">${schedule.timezone}</td><td data-label="Job">${schedule.job}</td><td data-label="Queue">${schedule.queue}</td><td data-label="Last tick" title="${isoOrDash(schedule.lastTickAt)}">${ago(schedule.lastTickAt, context.now)}</td><td data-label="Next tick" title="${isoOrDash(schedule.nextTickAt)}">${until(schedule.nextTickAt)}</td></tr>`,
    )}</tbody></table></div>
<p class="muted">Ticks are enqueued by hopper scheduler processes (hopper.scheduler().run()); "last tick" is the newest any of them enqueued.</p>`,
  };
}
