import { settledColumns } from "./src/postgres-record-sql.ts";
import { ackedRecordColumns } from "./src/operations/acked-records.ts";
import { tokenObject } from "./src/operations/token-lookup.ts";
const records = Array.from({ length: 250 }, (_, i) => ({ id: crypto.randomUUID(), job: "BenchJob", queue: "bench-queue", enqueuedAt: Date.now(), state: "succeeded" as const, attempt: 1, finishedAt: Date.now(), ttlMs: 86_400_000 }));
const tokens = records.map((r, i) => ({ seq: String(100000 + i), attempts: 1, record: r }));
function old() { return [tokenObject(tokens, () => "0"), settledColumns(tokens.map((t) => `${t.seq}:1`), records)]; }
function neu() { let p = 0; return [tokenObject(tokens, (t) => String(++p)), ackedRecordColumns(records.map((record) => ({ record, messageId: record.id })))]; }
for (const [name, f] of [["old", old], ["new", neu], ["old", old], ["new", neu]] as const) {
  for (let i = 0; i < 2000; i++) f();
  const t = process.hrtime.bigint(); for (let i = 0; i < 4000; i++) f(); const ns = Number(process.hrtime.bigint() - t);
  console.log(name, (ns / 4000 / 250 / 1000).toFixed(3), "µs/record", JSON.stringify(f()).length / 250, "B/record");
}
