/**
 * Node's own cost of the record path, without a server: what records add per
 * enqueued job (the record riding on the message and the enqueue statement's
 * JSON parameter) and per succeeded job (the settled record and the ack's JSON
 * parameter), in CPU µs and heap bytes allocated per job.
 *
 *   node_modules/.bin/tsx --conditions=@hopper/source --expose-gc --max-semi-space-size=64 \
 *     benchmarks/results/records-node-cpu-2026-12-03-probes/record-path-cost.ts [jobs per batch] [batches]
 */
import { decodeEnvelope, encodeEnvelope, type Envelope } from "@hopper/core";
import { RecordWriter } from "../../../packages/core/src/records/record-writer.ts";
import { resolveRecordsOptions } from "../../../packages/core/src/records/records-options.ts";
import { insertedColumns, settledColumns } from "../../../packages/postgres/src/postgres-record-sql.ts";

const batch = Number(process.argv[2] ?? 1000);
const batches = Number(process.argv[3] ?? 200);
const gc = (globalThis as { gc?: () => void }).gc;

const silent = { debug() {}, info() {}, warn() {}, error() {} } as never;
const writer = new RecordWriter(
  async () => ({ store: {} as never, riding: true }),
  resolveRecordsOptions({}),
  silent,
  async () => ({ capabilities: {} }) as never,
);
await writer.check();

function envelopes(count: number): Envelope[] {
  const list: Envelope[] = [];
  for (let index = 0; index < count; index++) {
    const body = JSON.stringify({ hopper: 1, id: crypto.randomUUID(), job: "BenchNoop", version: 1, args: { sentAt: performance.now() + index, padding: "" }, queue: "bench-queue", priority: 0, enqueuedAt: new Date().toISOString(), attempt: 1, meta: {} });
    list.push(decodeEnvelope(body));
  }
  return list;
}

function measure(label: string, run: (list: Envelope[]) => unknown): void {
  const lists = Array.from({ length: batches }, () => envelopes(batch));
  for (const list of lists.slice(0, 10)) run(list); // warm-up
  // CPU: the batches back to back, garbage collection included.
  gc?.();
  const cpu = process.cpuUsage();
  for (const list of lists.slice(10)) run(list);
  const used = process.cpuUsage(cpu);
  const jobs = (batches - 10) * batch;
  // Allocation: heap growth over one batch after a full collection (the young generation is made big enough
  // with --max-semi-space-size that no collection runs inside a batch).
  let allocated = 0;
  const sampled = lists.slice(10, 30);
  for (const list of sampled) {
    gc?.();
    const before = process.memoryUsage().heapUsed;
    const kept = run(list);
    allocated += process.memoryUsage().heapUsed - before;
    if (kept === null) console.log("");
  }
  console.log(`${label}: ${((used.user + used.system) / jobs).toFixed(2)} µs/job, ${gc ? (allocated / (sampled.length * batch)).toFixed(0) : "n/a"} B allocated/job`);
}

const delivery = {};
measure("enqueue: records riding on messages", (list) => list.map((envelope) => writer.outgoingRecord(envelope)));
// The enqueuer's message, with the record spread into the literal (before) or set on it (after).
measure("enqueue: message with its record spread in", (list) => list.map((envelope) => ({ id: envelope.id, queue: envelope.queue, body: "", ...delivery, ...{ record: writer.outgoingRecord(envelope) } })));
measure("enqueue: message with its record set", (list) =>
  list.map((envelope) => {
    const message: Record<string, unknown> = { id: envelope.id, queue: envelope.queue, body: "", ...delivery };
    const record = writer.outgoingRecord(envelope);
    if (record) message.record = record;
    return message;
  }),
);
measure("enqueue: records + insert parameter", (list) => insertedColumns(list.map((envelope) => writer.outgoingRecord(envelope)!)));
measure("enqueue: insert parameter's byte length (driver)", (list) => Buffer.byteLength(insertedColumns(list.map((envelope) => writer.outgoingRecord(envelope)!))[0] as string));
measure("ack: succeeded records", (list) => list.map((envelope) => writer.succeededRecord(envelope, 1, writer.resultOf(undefined))));
measure("ack: records + settle parameter + byte length", (list) => {
  const records = list.map((envelope) => writer.succeededRecord(envelope, 1, writer.resultOf(undefined)));
  return Buffer.byteLength(settledColumns(records.map((_, index) => String(index)), records)[0] as string);
});
void encodeEnvelope;
