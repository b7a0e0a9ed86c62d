// Self time per job by file and by function of two .cpuprofiles side by side (largest differences first):
//   node profile-diff.mjs <a.cpuprofile> <b.cpuprofile> <jobs>
import { readFileSync } from "node:fs";
const jobs = Number(process.argv[4]);
const load = (f) => {
  const p = JSON.parse(readFileSync(f, "utf8"));
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const fn = new Map(), file = new Map();
  for (let i = 0; i < p.samples.length; i++) {
    const cf = byId.get(p.samples[i]).callFrame; const t = p.timeDeltas[i] ?? 0;
    const u = cf.url.replace(/.*\/(packages|node_modules|apps)\//, "$1/");
    const k = `${cf.functionName || "(anon)"} ${u}:${cf.lineNumber}`;
    fn.set(k, (fn.get(k) ?? 0) + t);
    const g = u.includes("node_modules") ? u.split("/").slice(0, 3).join("/") : u || cf.functionName;
    file.set(g, (file.get(g) ?? 0) + t);
  }
  return { fn, file };
};
const a = load(process.argv[2]), b = load(process.argv[3]);
const show = (ma, mb, n) => { const keys = new Set([...ma.keys(), ...mb.keys()]); [...keys].map((k) => [k, (ma.get(k) ?? 0) / jobs, (mb.get(k) ?? 0) / jobs]).sort((x, y) => Math.abs(y[1] - y[2]) - Math.abs(x[1] - x[2])).slice(0, n).forEach(([k, x, y]) => console.log(x.toFixed(2).padStart(7), y.toFixed(2).padStart(7), (x - y).toFixed(2).padStart(7), k)); };
console.log("   A       B      A-B   -- by file (largest differences)"); show(a.file, b.file, 30);
console.log("-- by function"); show(a.fn, b.fn, 40);
