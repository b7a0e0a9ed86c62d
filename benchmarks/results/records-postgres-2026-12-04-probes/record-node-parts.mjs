// Node CPU per enqueued job of the parts records add to a PostgreSQL bulk enqueue (issue #20): the args' record
// text (a second JSON.stringify of the args), the record rows' JSON parameter (`insertedColumns`), and the
// driver's byte count of that text, for calls of `call` jobs, as the bench's jobs look. process.cpuUsage.
//
//   cd <worktree> && node_modules/.bin/tsx --conditions=@hopper/source benchmarks/results/records-postgres-2026-12-04-probes/record-node-parts.mjs [call=100] [calls=2000]
import { randomUUID } from "node:crypto";
import { insertedColumns } from "../../../packages/postgres/src/postgres-record-sql.ts";
import { argsRecordText } from "../../../packages/core/src/records/record-values.ts";
import { encodeEnvelope } from "../../../packages/core/src/envelope/envelope.ts";

const call = Number(process.argv[2] ?? 100);
const calls = Number(process.argv[3] ?? 2000);
const now = Date.now();
const envelopes = Array.from({ length: call }, () => ({ hopper: 1, id: randomUUID(), job: "BenchJob", version: 1, args: { sentAt: now, padding: "" }, queue: "bench-q", priority: 0, enqueuedAt: new Date(now).toISOString(), attempt: 1, meta: {} }));
const recordsOf = () => envelopes.map((e) => ({ id: e.id, job: e.job, queue: e.queue, enqueuedAt: now, runAt: null, ttlMs: 3153600000000, args: argsRecordText(e.args, 16384) }));
const records = recordsOf();
const parts = {
  "envelope body (encodeEnvelope, for scale)": () => envelopes.map(encodeEnvelope),
  "args record text + record object": recordsOf,
  "argsRecordText alone": () => envelopes.map((e) => argsRecordText(e.args, 16384)),
  "insertedColumns": () => insertedColumns(records),
  "insertedColumns + Buffer.byteLength": () => Buffer.byteLength(insertedColumns(records)[0]),
};
for (const round of [1, 2, 3]) {
  for (const [name, run] of Object.entries(parts)) {
    for (let i = 0; i < 200; i++) run();
    const before = process.cpuUsage();
    for (let i = 0; i < calls; i++) run();
    const used = process.cpuUsage(before);
    console.log(`round ${round}, ${name}: ${((used.user + used.system) / calls / call).toFixed(3)} µs/job`);
  }
}
