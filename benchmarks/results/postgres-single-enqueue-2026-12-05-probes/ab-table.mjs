// Medians per side of ab-alloc.sh's output, leaving out each run's first round (still warming); the CPU also
// over rounds 3+ alone (round 2 of every run, either side, carries a background compile or GC of ~2x the CPU):
//   node ab-table.mjs <out>
import { readFileSync } from "node:fs";
const sides = new Map();
for (const line of readFileSync(process.argv[2], "utf8").split("\n")) {
  const match = /^(\w+) round (\d+): load ([\d.]+); (\d+) jobs\/s; node CPU ([\d.]+) µs\/job \(system ([\d.]+)\); allocated (\d+) B\/job; GCs (\d+); writes ([\d.]+)\/job/.exec(line);
  if (!match || match[2] === "1") continue;
  const rows = sides.get(match[1]) ?? [];
  rows.push({ round: +match[2], load: +match[3], rate: +match[4], cpu: +match[5], alloc: +match[7], gcs: +match[8], writes: +match[9] });
  sides.set(match[1], rows);
}
const median = (values) => { const s = [...values].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
console.log("| side | rounds | load | jobs/s | Node CPU µs/job | CPU, rounds 3+ | allocated B/job | GCs/round | writes/job |");
console.log("|---|---|---|---|---|---|---|---|---|");
for (const [side, rows] of sides) {
  const loads = rows.map((row) => row.load);
  console.log(`| ${side} | ${rows.length} | ${Math.min(...loads)}–${Math.max(...loads)} | ${median(rows.map((r) => r.rate))} | ${median(rows.map((r) => r.cpu)).toFixed(1)} | ${median(rows.filter((r) => r.round >= 3).map((r) => r.cpu)).toFixed(1)} | ${median(rows.map((r) => r.alloc))} | ${median(rows.map((r) => r.gcs))} | ${median(rows.map((r) => r.writes)).toFixed(3)} |`);
}
