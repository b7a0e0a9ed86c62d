// Self time per function of a .cpuprofile (busy time only), and inclusive time of Hopper files.
//   node benchmarks/results/redis-single-enqueue-2026-12-04b-probes/profile-self-time.mjs <file.cpuprofile> [top]
import { readFileSync } from "node:fs";
const p = JSON.parse(readFileSync(process.argv[2], "utf8"));
const top = Number(process.argv[3] ?? 45);
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const dt = new Map();
for (let i = 0; i < p.samples.length; i++) dt.set(p.samples[i], (dt.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0));
const self = new Map(); let total = 0, idle = 0;
for (const [id, t] of dt) { const n = byId.get(id); const cf = n.callFrame; const key = `${cf.functionName || "(anon)"} ${cf.url.replace(/.*\/(node_modules\/\.pnpm\/[^/]+\/node_modules\/)?/, "")}:${cf.lineNumber}`; if (cf.functionName === "(idle)") { idle += t; continue; } total += t; self.set(key, (self.get(key) ?? 0) + t); }
console.log(`busy ${(total/1000).toFixed(0)} ms idle ${(idle/1000).toFixed(0)} ms`);
for (const [k, t] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log((100*t/total).toFixed(1).padStart(5), "%", k);
// inclusive time for core/redis functions
const parent = new Map(); for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const incl = new Map();
for (const [id, t] of dt) { const seen = new Set(); let cur = id; while (cur !== undefined) { const cf = byId.get(cur).callFrame; const key = `${cf.functionName || "(anon)"} ${cf.url.split("/").slice(-1)[0]}:${cf.lineNumber}`; if (!seen.has(key)) { seen.add(key); incl.set(key, (incl.get(key) ?? 0) + t); } cur = parent.get(cur); } }
console.log("--- inclusive (hopper files)");
for (const [k, t] of [...incl].filter(([k]) => /enqueuer|coalescer|send-in-batches|redis-enqueue|redis-backend|hopper\.ts|envelope|args-serializer|delivery-plan|middleware|redis-scripts|cluster-errors|job\.ts|backend\.ts|names|flow-control|dedupe|record/.test(k)).sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log((100*t/total).toFixed(1).padStart(5), "%", k);
