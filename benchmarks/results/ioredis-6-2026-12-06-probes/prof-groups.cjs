// µs per job of self time: ioredis's reply decoding (v6 resp/decoder.js, v5 redis-parser), Buffer allocation and
// conversion, the rest of ioredis, everything else.
const p = JSON.parse(require("fs").readFileSync(process.argv[2]));
const jobs = Number(process.argv[3] ?? 40000);
const by = new Map(p.nodes.map((n) => [n.id, n])); const dt = new Map();
for (let i = 0; i < p.samples.length; i++) dt.set(p.samples[i], (dt.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0));
const g = { decode: 0, buffer: 0, ioredis: 0, gc: 0, other: 0 }; let busy = 0;
for (const [id, t] of dt) { const cf = by.get(id).callFrame; if (cf.functionName === "(idle)") continue; busy += t; const u = cf.url;
  const k = u.includes("resp/decoder") || u.includes("redis-parser") ? "decode" : ["FastBuffer", "toString", "utf8Slice", "latin1Slice", "convertBufferToString"].includes(cf.functionName) ? "buffer" : u.includes("ioredis") ? "ioredis" : cf.functionName === "(garbage collector)" ? "gc" : "other"; g[k] += t; }
console.log(`${process.argv[2].split("/").pop()}: busy ${(busy / jobs).toFixed(1)}; ` + Object.entries(g).map(([k, t]) => `${k} ${(t / jobs).toFixed(2)}`).join(", "));
