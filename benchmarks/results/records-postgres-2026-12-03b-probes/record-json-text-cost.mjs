// Node CPU per row of the enqueue's record parameter (issue #20): built as shipped (one string concatenated row by
// row, `insertedColumns`) or as an array joined once, alone and with the driver's Buffer.byteLength of it (which
// flattens a concatenated string). process.cpuUsage, 200,000 rows per figure, 3 rounds per batch size.
//
//   cd <worktree> && node_modules/.bin/tsx benchmarks/results/records-postgres-2026-12-03b-probes/record-json-text-cost.mjs
import { insertedColumns } from "../../../packages/postgres/src/postgres-record-sql.ts";
import { randomUUID } from "node:crypto";
function jsonText(text) { return text === undefined || text === null ? "null" : JSON.stringify(text.isWellFormed() ? text : text.toWellFormed()); }
function jsonNumber(value) { return typeof value === "number" && Number.isFinite(value) ? String(value) : "null"; }
function joined(records) {
  const rows = new Array(records.length);
  for (let index = 0; index < records.length; index++) { const r = records[index];
    rows[index] = `{"id":${jsonText(r.id)},"job":${jsonText(r.job)},"queue":${jsonText(r.queue)},"enqueued_at":${jsonNumber(r.enqueuedAt)},"run_at":${jsonNumber(r.runAt)},"ttl_ms":${jsonNumber(Math.ceil(r.ttlMs))},"batch_id":${jsonText(r.batchId)},"parent_id":${jsonText(r.parentId)},"args":${jsonText(r.args)}}`; }
  return `[${rows.join(",")}]`;
}
const now = Date.now();
const cpu = (f, reps) => { const c = process.cpuUsage(); for (let i = 0; i < reps; i++) f(); const u = process.cpuUsage(c); return (u.user + u.system) / reps; };
for (const n of [10, 100, 1000]) {
  const records = Array.from({ length: n }, () => ({ id: randomUUID(), job: "BenchJob", queue: "bench-abc-enqueue-123456", enqueuedAt: now, runAt: null, ttlMs: 100 * 365 * 86400000, args: `{"args":{"sentAt":${now},"padding":""}}` }));
  const reps = 200000 / n;
  for (const round of [1, 2, 3]) {
    const concatBuild = cpu(() => insertedColumns(records), reps) / n;
    const concatSend = cpu(() => Buffer.byteLength(insertedColumns(records)[0]), reps) / n;
    const joinBuild = cpu(() => joined(records), reps) / n;
    const joinSend = cpu(() => Buffer.byteLength(joined(records)), reps) / n;
    console.log(`n=${n} r${round}: concat build ${concatBuild.toFixed(2)} +byteLength ${concatSend.toFixed(2)} µs/row | join build ${joinBuild.toFixed(2)} +byteLength ${joinSend.toFixed(2)} µs/row`);
  }
}
