/**
 * What one subject's PostgreSQL enqueue costs per job, counted so the machine's load moves it
 * little: bulk (calls of 1,000) and single (10 calls in flight), each into a fresh queue. Per job:
 * this process's CPU, the server's CPU (`postgres-server-cpu.ts`), the WAL written, and from
 * pg_stat_statements (when loaded) the buffers the statements touched and the table's pages grown.
 *
 *   node --conditions=@hopper/source --import ./src/child/strip-types.mjs src/probe/postgres-enqueue-profile.ts \
 *     <library> <postgres url> [bulk jobs] [single jobs] [rounds]
 *
 * The probe resets pg_stat_statements before each measure (give it a server of its own) and
 * deletes each queue's rows after it, so the next measure starts on the same table.
 */
import { loadavg } from "node:os";
import { createSubject } from "../subjects/create-subject.js";
import { enqueueInBatches, makeJobs, withCallers } from "../scenarios/scenario-context.js";
import { now } from "../subjects/bench-subject.js";
import { openPostgresCounters, thisDatabasesStatements } from "./postgres-server-cpu.js";

const [library = "hopper", connection = process.env.HOPPER_TEST_POSTGRES_URL ?? "", bulkText = "20000", singleText = "3000", roundsText = "1"] = process.argv.slice(2);

const counters = await openPostgresCounters(connection);
const { admin, hasStatements, serverCpu, wal } = counters;

async function buffersTouched(): Promise<number> {
  if (!hasStatements) return Number.NaN;
  const { rows } = await admin.query<{ blocks: string }>(
    `SELECT coalesce(sum(shared_blks_hit + shared_blks_read), 0)::text AS blocks FROM pg_stat_statements
     WHERE ${thisDatabasesStatements}`,
  );
  return Number(rows[0]!.blocks);
}

/** The messages table's size in pages, when the subject is Hopper (schema "hopper"). */
async function messagePages(): Promise<number> {
  const { rows } = await admin.query<{ pages: string | null }>("SELECT (pg_relation_size(to_regclass('hopper.messages')) / 8192)::text AS pages");
  return Number(rows[0]!.pages ?? Number.NaN);
}

const subject = await createSubject({ library, connection } as never);
let serial = 0;
try {
  const warm = `enqueue-profile-${process.pid}-warm`;
  await subject.prepare(warm);
  await enqueueInBatches(subject, warm, makeJobs(2000), 1000);
  const warmSingles = makeJobs(500);
  await withCallers(warmSingles.length, 10, (index) => subject.enqueueOne(warm, warmSingles[index]!));

  for (let round = 0; round < Number(roundsText); round++) {
    for (const [mode, count] of [["bulk", Number(bulkText)], ["single", Number(singleText)]] as const) {
      const queue = `enqueue-profile-${process.pid}-${serial++}`;
      await subject.prepare(queue);
      const jobs = makeJobs(count);
      if (hasStatements) await admin.query("SELECT pg_stat_statements_reset()");
      const pagesBefore = await messagePages();
      const walBefore = await wal.bytes();
      const serverBefore = serverCpu?.();
      const cpu = process.cpuUsage();
      const startedAt = now();
      if (mode === "bulk") await enqueueInBatches(subject, queue, jobs, 1000);
      else await withCallers(count, 10, (index) => subject.enqueueOne(queue, jobs[index]!));
      const elapsedMs = now() - startedAt;
      const used = process.cpuUsage(cpu);
      const serverAfter = serverCpu?.();
      const walAfter = await wal.bytes();
      const blocks = await buffersTouched();
      const pagesAfter = await messagePages();
      const perJob = (value: number, digits = 1) => (value / count).toFixed(digits);
      console.log(
        `${library} enqueue ${mode}: ${count} jobs, ${((count * 1000) / elapsedMs).toFixed(0)} jobs/s (wall, load ${loadavg()[0]!.toFixed(1)}); ` +
          `node CPU ${perJob(used.user + used.system)} µs/job; server CPU ${serverBefore !== undefined && serverAfter !== undefined ? perJob(serverAfter - serverBefore) : "?"} µs/job; ` +
          `WAL ${perJob(walAfter - walBefore, 0)} B/job; buffers ${perJob(blocks)} /job; messages table +${pagesAfter - pagesBefore} pages (${((pagesAfter - pagesBefore) * 8192 / count).toFixed(0)} B/job)`,
      );
      await admin.query("DELETE FROM hopper.messages WHERE queue = $1", [queue]).catch(() => {});
    }
  }
  await admin.query("DELETE FROM hopper.messages WHERE queue = $1", [warm]).catch(() => {});
} finally {
  await subject.close();
  await counters.close();
}
