// CPU and garbage of building one enqueue's column parameters and pg's preparation of them (what pg does to
// each parameter before writing it), main's columns() against the branch's, for sends of `size` single-job
// messages like the bench's (~250-byte bodies). Run from packages/postgres (for pg):
//   cd packages/postgres && node ../../benchmarks/results/postgres-single-enqueue-2026-12-05-probes/columns-micro.mjs [size=40] [sends=50000]
import { randomUUID } from "node:crypto";
import { createRequire } from "node:module";
const require = createRequire(import.meta.url + "/../../packages/postgres/");
const { prepareValue } = require(require.resolve("pg/lib/utils.js", { paths: [process.cwd()] }));
const size = Number(process.argv[2] ?? 40);
const sends = Number(process.argv[3] ?? 50000);
const messages = Array.from({ length: size }, (_, n) => ({ id: randomUUID(), queue: "bench-queue-1", body: JSON.stringify({ hopper: 1, id: randomUUID(), job: "BenchNoop", version: 1, args: { seq: n, sentAt: 1733380000000 + n }, queue: "bench-queue-1", priority: 0, enqueuedAt: new Date().toISOString(), attempt: 1, meta: {} }) }));
const delayMs = (message) => Math.max(0, Math.ceil(message.delayMs ?? 0));

function mainColumns(list) {
  const bodies = list.map((message) => Buffer.from(message.body));
  const offsets = [];
  let offset = 0;
  for (const bytes of bodies) { offsets.push(offset); offset += bytes.length; }
  return [list.map((m) => m.id), list.map((m) => m.queue), Buffer.concat(bodies, offset), offsets, bodies.map((b) => b.length), list.map((m) => m.priority ?? 0), list.map(delayMs), list.map((m) => m.orderingKey ?? null), list.map((m) => m.dedupeKey ?? null)];
}
const escaped = /["\\]/;
function textArrayLiteral(values) {
  if (values.length === 0) return "{}";
  let nulls = 0;
  for (const value of values) { if (value === null || value === undefined) nulls += 1; else if (escaped.test(value)) return values; }
  if (nulls === values.length) return `{${"NULL,".repeat(values.length - 1)}NULL}`;
  return nulls > 0 ? values : `{"${values.join('","')}"}`;
}
const integerArrayLiteral = (values) => `{${values.join(",")}}`;
function branchColumns(list) {
  const lengths = list.map((message) => Buffer.byteLength(message.body));
  const offsets = new Array(list.length);
  let total = 0;
  lengths.forEach((length, index) => { offsets[index] = total; total += length; });
  const bodies = Buffer.allocUnsafe(total);
  list.forEach((message, index) => bodies.write(message.body, offsets[index], lengths[index], "utf8"));
  return [textArrayLiteral(list.map((m) => m.id)), textArrayLiteral(list.map((m) => m.queue)), bodies, integerArrayLiteral(offsets), integerArrayLiteral(lengths), integerArrayLiteral(list.map((m) => m.priority ?? 0)), integerArrayLiteral(list.map(delayMs)), textArrayLiteral(list.map((m) => m.orderingKey ?? null)), textArrayLiteral(list.map((m) => m.dedupeKey ?? null))];
}
let sink = 0;
function run(name, build) {
  const cpu = process.cpuUsage();
  for (let i = 0; i < sends; i++) {
    for (const value of build(messages)) {
      const prepared = prepareValue(value);
      sink += typeof prepared === "string" ? Buffer.byteLength(prepared) : prepared.length; // pg writes strings as UTF-8
    }
  }
  const used = process.cpuUsage(cpu);
  console.log(`${name}: ${((used.user + used.system) / (sends * size)).toFixed(3)} µs CPU per message (send of ${size})`);
}
for (let round = 0; round < 3; round++) { run("main  ", mainColumns); run("branch", branchColumns); }
if (sink === 0) console.log("");
