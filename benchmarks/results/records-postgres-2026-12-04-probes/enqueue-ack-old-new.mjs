// Node CPU and server CPU per job of the backend's enqueue and ack statements, records off and on, main's code
// (`packages/postgres/.old/src`, exported from cb71fb4: `git archive cb71fb4 packages/postgres/src | tar -x -C
// packages/postgres/.old --strip-components=2`) against this branch's, interleaved in one process (issue #20).
// Each figure: `statements` statements of `size` messages on one pooled connection (named statements, as the
// backend sends them), after 20 warm-up statements; the ack deletes what the enqueue inserted (claimed first).
//
//   cd <worktree> && eval "$(pnpm -s services env)"
//   node_modules/.bin/tsx --conditions=@hopper/source benchmarks/results/records-postgres-2026-12-04-probes/enqueue-ack-old-new.mjs [size=10] [statements=300] [rounds=3]
import * as newEnqueue from "../../../packages/postgres/src/operations/enqueue-messages.ts";
import * as newDelete from "../../../packages/postgres/src/operations/delete-messages.ts";
import * as oldEnqueue from "../../../packages/postgres/.old/src/operations/enqueue-messages.ts";
import * as oldDelete from "../../../packages/postgres/.old/src/operations/delete-messages.ts";
import { benchMessages, scratchSchema } from "./scratch-schema.mjs";

const [size, statements, rounds] = [Number(process.argv[2] ?? 10), Number(process.argv[3] ?? 300), Number(process.argv[4] ?? 3)];
const { executor, schema, sql, serverNs, drop } = await scratchSchema("probe_old_new");
const now = Date.now();
const queue = "probe";
const messagesOf = (records) => benchMessages(size, records, queue, now);
/** Claims what was enqueued (as the drain's claim would, without its record start) and returns ack items. */
async function claimed(records) {
  const rows = await executor.query(`UPDATE ${schema.quoted}.messages SET attempts = attempts + 1, locked_until = now() + interval '1 minute' WHERE queue = $1 RETURNING seq::text AS seq, attempts, id`, [queue]);
  return rows.map((row) => ({ seq: row.seq, attempts: row.attempts, ...(records && { record: { id: row.id, job: "BenchJob", queue, enqueuedAt: now, state: "succeeded", attempt: 1, finishedAt: now, ttlMs: 86_400_000 } }) }));
}
const code = { main: { enqueue: oldEnqueue.enqueueMessages, ack: oldDelete.deleteMessages }, branch: { enqueue: newEnqueue.enqueueMessages, ack: newDelete.deleteMessages } };
async function measure(which, records) {
  const { enqueue, ack } = code[which];
  const batches = Array.from({ length: statements }, () => messagesOf(records));
  const cpu = process.cpuUsage();
  const server = serverNs();
  for (const batch of batches) await enqueue(executor, schema, batch, records ? sql : undefined);
  const enqueueNode = process.cpuUsage(cpu);
  const enqueueServer = serverNs() - server;
  const items = await claimed(records);
  const chunks = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  const ackCpu = process.cpuUsage();
  const ackServer = serverNs();
  for (const chunk of chunks) await ack(executor, schema, chunk, records ? sql : undefined);
  const ackNode = process.cpuUsage(ackCpu);
  const ackServerNs = serverNs() - ackServer;
  const jobs = statements * size;
  const us = (usage) => ((usage.user + usage.system) / jobs).toFixed(2);
  return `enqueue node ${us(enqueueNode)} server ${(enqueueServer / 1000 / jobs).toFixed(2)}; ack node ${us(ackNode)} server ${(ackServerNs / 1000 / jobs).toFixed(2)} µs/job`;
}
for (const which of ["main", "branch"]) for (const records of [false, true]) for (let i = 0; i < 20; i++) {
  await code[which].enqueue(executor, schema, messagesOf(records), records ? sql : undefined);
  await code[which].ack(executor, schema, await claimed(records), records ? sql : undefined);
}
console.log(`size ${size}, ${statements} statements per figure`);
for (let round = 1; round <= rounds; round++) {
  for (const records of [false, true]) for (const which of round % 2 ? ["main", "branch"] : ["branch", "main"]) console.log(`round ${round}, records ${records ? "on " : "off"}, ${which.padEnd(6)}: ${await measure(which, records)}`);
}
await drop();
