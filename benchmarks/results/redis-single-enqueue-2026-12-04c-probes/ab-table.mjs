// Markdown table of an ab-runs.sh bench file (single enqueue medians; Hopper, BullMQ, ratios per pair, medians).
//   node ab-table.mjs <bench-ab file>
import { readFileSync } from "node:fs";
const runs = [];
let current;
for (const line of readFileSync(process.argv[2], "utf8").split("\n")) {
  const head = /^## (base|branch) pair (\d+) load ([\d.]+)/.exec(line);
  if (head) runs.push((current = { side: head[1], pair: Number(head[2]), load: head[3] }));
  const row = /\*\*redis\/(hopper|bullmq)\*\* \| ([\d,]+)/.exec(line);
  if (row && current) current[row[1]] = Number(row[2].replaceAll(",", ""));
}
const median = (values) => { const s = [...values].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const pairs = [...new Set(runs.map((run) => run.pair))].map((pair) => ({ base: runs.find((r) => r.pair === pair && r.side === "base"), branch: runs.find((r) => r.pair === pair && r.side === "branch") })).filter((p) => p.base?.hopper && p.branch?.hopper);
const f = (n) => n.toLocaleString("en-US", { maximumFractionDigits: 0 });
console.log("| pair | load base / branch | base Hopper | base BullMQ | base H÷B | branch Hopper | branch BullMQ | branch H÷B | branch ÷ base (Hopper) |");
console.log("|---|---|---|---|---|---|---|---|---|");
for (const [index, { base, branch }] of pairs.entries()) {
  console.log(`| ${index + 1} | ${base.load} / ${branch.load} | ${f(base.hopper)} | ${f(base.bullmq)} | ${(base.hopper / base.bullmq).toFixed(2)} | ${f(branch.hopper)} | ${f(branch.bullmq)} | ${(branch.hopper / branch.bullmq).toFixed(2)} | ${(branch.hopper / base.hopper).toFixed(2)} |`);
}
const col = (fn) => median(pairs.map(fn));
const above = pairs.filter((p) => p.branch.hopper > p.base.hopper).length;
console.log(`| median | | ${f(col((p) => p.base.hopper))} | ${f(col((p) => p.base.bullmq))} | ${col((p) => p.base.hopper / p.base.bullmq).toFixed(2)} | ${f(col((p) => p.branch.hopper))} | ${f(col((p) => p.branch.bullmq))} | ${col((p) => p.branch.hopper / p.branch.bullmq).toFixed(2)} | ${col((p) => p.branch.hopper / p.base.hopper).toFixed(2)} (${above} of ${pairs.length} above 1) |`);
