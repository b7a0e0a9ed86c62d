/**
 * The dashboard's only assets, served by the handler itself (no third-party
 * hosts, no build step): kept as strings so `tsc` alone ships them.
 */
export const dashboardCss = `
:root { color-scheme: light dark; --fg: #1d2330; --muted: #667085; --bg: #f7f8fa; --card: #fff; --line: #e3e6eb; --accent: #3557d4; --bad: #b42318; --ok: #067647; --warn: #b54708; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6e8ee; --muted: #98a2b3; --bg: #12151c; --card: #1a1f29; --line: #2b3240; --accent: #8ea6ff; --bad: #f97066; --ok: #47cd89; --warn: #fdb022; } }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
header { display: flex; flex-wrap: wrap; gap: .5rem 1.25rem; align-items: center; padding: .75rem 1rem; background: var(--card); border-bottom: 1px solid var(--line); }
header .brand { font-weight: 700; }
header nav { display: flex; flex-wrap: wrap; gap: .25rem .9rem; }
header nav a { color: var(--muted); text-decoration: none; padding: .2rem 0; }
header nav a[aria-current="page"] { color: var(--accent); font-weight: 600; border-bottom: 2px solid var(--accent); }
header .status { margin-left: auto; color: var(--muted); font-size: .85rem; }
main { padding: 1rem; max-width: 80rem; margin: 0 auto; }
h1 { font-size: 1.3rem; margin: .25rem 0 1rem; }
h2 { font-size: 1.05rem; margin: 1.5rem 0 .5rem; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 1rem; margin-bottom: 1rem; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; background: var(--card); }
th, td { text-align: left; padding: .45rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: .8rem; text-transform: uppercase; letter-spacing: .03em; color: var(--muted); }
td.number, th.number { text-align: right; font-variant-numeric: tabular-nums; }
.badge { display: inline-block; padding: .05rem .45rem; border-radius: 999px; font-size: .8rem; border: 1px solid currentColor; }
.badge.bad { color: var(--bad); } .badge.ok { color: var(--ok); } .badge.warn { color: var(--warn); } .badge.muted { color: var(--muted); }
.notice { padding: .6rem .8rem; border-radius: 6px; margin-bottom: 1rem; border: 1px solid var(--ok); color: var(--ok); }
.notice.error { border-color: var(--bad); color: var(--bad); }
.empty { color: var(--muted); padding: 1.5rem 1rem; text-align: center; }
form.inline { display: inline; }
button { font: inherit; padding: .3rem .75rem; border-radius: 6px; border: 1px solid var(--line); background: var(--card); color: var(--fg); cursor: pointer; }
button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
button.danger { color: var(--bad); border-color: var(--bad); }
input[type=search], input[type=text], select { font: inherit; padding: .3rem .5rem; border-radius: 6px; border: 1px solid var(--line); background: var(--card); color: var(--fg); min-width: 0; }
.search { display: flex; flex-wrap: wrap; gap: .5rem; margin-bottom: 1rem; }
.search input { flex: 1 1 16rem; }
dl.fields { display: grid; grid-template-columns: max-content 1fr; gap: .35rem 1rem; margin: 0; }
dl.fields dt { color: var(--muted); }
dl.fields dd { margin: 0; overflow-wrap: anywhere; }
pre { margin: 0; padding: .6rem; background: var(--bg); border: 1px solid var(--line); border-radius: 6px; overflow-x: auto; font-size: .85rem; white-space: pre-wrap; overflow-wrap: anywhere; }
code { font-size: .9em; overflow-wrap: anywhere; }
.muted { color: var(--muted); }
.actions { display: flex; flex-wrap: wrap; gap: .5rem; margin-top: 1rem; }
.history { display: grid; grid-template-columns: repeat(auto-fill, minmax(18rem, 1fr)); gap: 1rem; }
.history h3 { margin: 0 0 .4rem; font-size: 1rem; }
svg.history-chart { display: block; width: 100%; height: 4rem; }
svg.history-chart .bar-completed { fill: var(--ok); } svg.history-chart .bar-failed { fill: var(--bad); } svg.history-chart .axis { stroke: var(--line); }
dl.history-figures { display: flex; flex-wrap: wrap; gap: .2rem 1rem; margin: .5rem 0 0; font-size: .85rem; }
dl.history-figures dt { color: var(--muted); } dl.history-figures dd { margin: 0; font-variant-numeric: tabular-nums; }
@media (max-width: 40rem) {
  main { padding: .6rem; } th, td { padding: .35rem .4rem; } header .status { margin-left: 0; width: 100%; }
  /* Tables marked "stack" become one card per row, each cell labelled, rather than scrolling sideways. */
  table.stack thead { display: none; }
  table.stack tr { display: block; border-bottom: 1px solid var(--line); padding: .4rem 0; }
  table.stack td { display: flex; gap: 1rem; justify-content: space-between; border: 0; text-align: right; }
  table.stack td[data-label]::before { content: attr(data-label); color: var(--muted); text-align: left; }
  table.stack td pre { text-align: left; max-width: 75%; }
}
`;

/** Polls the page it is on and swaps in the new <main>, so counts stay live without a reload; "updated Ns ago" says how fresh they are. */
export const dashboardJs = `
(() => {
  let main = document.querySelector("main");
  const status = document.getElementById("updated");
  const every = Number(document.body.dataset.refreshMs) || 5000;
  let updatedAt = Date.now();
  let failed = "";
  const tick = () => {
    const seconds = Math.round((Date.now() - updatedAt) / 1000);
    status.textContent = "updated " + seconds + "s ago" + failed;
  };
  const busy = () => {
    const active = document.activeElement;
    // A selection the operator is making (dead letters' checkboxes) would be lost by a refresh.
    return (active && main.contains(active) && active.matches("input, select, textarea")) || main.querySelector("input[type=checkbox]:checked");
  };
  const refresh = async () => {
    if (document.hidden || busy()) return;
    try {
      const response = await fetch(location.href, { credentials: "same-origin", headers: { "x-hopper-refresh": "1" } });
      if (!response.ok) throw new Error("HTTP " + response.status);
      const next = new DOMParser().parseFromString(await response.text(), "text/html").querySelector("main");
      if (!next) throw new Error("no content");
      main.replaceWith(next);
      main = next;
      updatedAt = Date.now();
      failed = "";
    } catch (error) {
      failed = " (last update failed: " + error.message + ")";
    }
    tick();
  };
  setInterval(tick, 1000);
  setInterval(refresh, every);
})();
`;
