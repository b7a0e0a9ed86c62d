import { html, type SafeHtml } from "./html.js";

export type PageName = "queues" | "jobs" | "dead-letters" | "schedules" | "workers";

const navigation: readonly [PageName, string][] = [
  ["queues", "Queues"],
  ["jobs", "Jobs"],
  ["dead-letters", "Dead letters"],
  ["schedules", "Schedules"],
  ["workers", "Workers"],
];

export interface LayoutOptions {
  readonly base: string;
  readonly page: PageName;
  readonly title: string;
  readonly readOnly: boolean;
  readonly refreshMs: number;
  readonly body: SafeHtml;
}

export function layout(options: LayoutOptions): string {
  const { base, page, title, readOnly, refreshMs, body } = options;
  return `<!doctype html>${html`<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>${title} · Hopper</title>
<link rel="stylesheet" href="${base}/assets/dashboard.css">
<script src="${base}/assets/dashboard.js" defer></script>
</head>
<body data-refresh-ms="${refreshMs}">
<header>
<span class="brand">Hopper</span>
<nav>${navigation.map(([name, label]) => html`<a href="${base}/${name}"${name === page ? html` aria-current="page"` : ""}>${label}</a>`)}</nav>
${readOnly ? html`<span class="badge muted">read-only</span>` : ""}
<span class="status" id="updated" role="status">updated 0s ago</span>
</header>
<main>
<h1>${title}</h1>
${body}
</main>
</body>
</html>`}`;
}
