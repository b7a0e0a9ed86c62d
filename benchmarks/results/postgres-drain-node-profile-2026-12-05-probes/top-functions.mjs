// Self time by function and by file of a .cpuprofile, µs per job: node top-functions.mjs <file.cpuprofile> <jobs>
import { readFileSync } from "node:fs";
const p = JSON.parse(readFileSync(process.argv[2], "utf8"));
const jobs = Number(process.argv[3]);
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const dt = new Map();
for (let i = 0; i < p.samples.length; i++) dt.set(p.samples[i], (dt.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0));
const fn = new Map(); const file = new Map();
for (const [id, t] of dt) { const cf = byId.get(id).callFrame; const u = cf.url.replace(/.*\/(packages|node_modules|apps)\//, "$1/"); const k = `${cf.functionName || "(anon)"} ${u}:${cf.lineNumber}`; fn.set(k, (fn.get(k) ?? 0) + t); const f = u.includes("node_modules") ? u.split("/").slice(0, 3).join("/") : u; file.set(f, (file.get(f) ?? 0) + t); }
const show = (m, n) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n).forEach(([k, t]) => console.log((t / jobs).toFixed(2).padStart(7), k));
console.log("-- by file"); show(file, 25); console.log("-- by function"); show(fn, 40);
