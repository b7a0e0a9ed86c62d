// Medians per variant of single-enqueue-threads.ts output (rounds pooled): jobs/s, node CPU, main, V8Worker, sends, server CPU, node+server.
import { readFileSync } from "node:fs";
const rows = new Map(); let label;
for (const line of readFileSync(process.argv[2], "utf8").split("\n")) {
  const head = /^## (\S+) (?:iteration|run) (\d+) load ([\d.]+)/.exec(line);
  if (head) { label = head[1]; if (!rows.has(label)) rows.set(label, { runs: [], loads: [] }); rows.get(label).loads.push(Number(head[3])); continue; }
  const m = /: (\d+) jobs\/s; node CPU ([\d.]+) µs\/job \(system ([\d.]+); threads main ([\d.]+)(?:, V8Worker ([\d.]+))?.*sends ([\d.]+)\/job; server CPU ([\d.]+)/.exec(line);
  if (m && label) rows.get(label).runs.push({ rate: +m[1], node: +m[2], sys: +m[3], main: +m[4], v8: +(m[5] ?? 0), sends: +m[6], server: +m[7] });
}
const med = (a) => { const s = [...a].sort((x, y) => x - y); const k = s.length >> 1; return s.length % 2 ? s[k] : (s[k - 1] + s[k]) / 2; };
console.log("| variant | rounds | load | jobs/s | Node CPU µs/job | main thread | V8 workers | sends/job | server CPU µs/job | Node + server |");
console.log("|---|---|---|---|---|---|---|---|---|---|");
for (const [name, { runs, loads }] of rows) {
  const f = (k) => med(runs.map((r) => r[k]));
  console.log(`| ${name} | ${runs.length} | ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)} | ${Math.round(f("rate")).toLocaleString("en-US")} | ${f("node").toFixed(1)} | ${f("main").toFixed(1)} | ${f("v8").toFixed(1)} | ${f("sends").toFixed(3)} | ${f("server").toFixed(1)} | ${med(runs.map((r) => r.node + r.server)).toFixed(1)} |`);
}
