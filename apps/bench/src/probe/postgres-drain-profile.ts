/**
 * Where one subject's PostgreSQL drain spends its time, counted so the machine's load moves it
 * little: per job, the statements the server ran (by statement, from pg_stat_statements when the
 * server has it loaded, else the driver's query count), their rows and server execution time, the
 * WAL written, the server's CPU (`postgres-server-cpu.ts`) and this process's CPU; and a timeline
 * of this process's statements: how much of the drain had a fetch in flight, a completion in
 * flight, or neither, and how long jobs waited for work (gaps between job ends over 0.5 ms).
 *
 *   node --conditions=@hopper/source --import ./src/child/strip-types.mjs src/probe/postgres-drain-profile.ts \
 *     <library> <postgres url> [jobs] [concurrencies, e.g. 1,10,50] [rounds]
 *
 * pg_stat_statements needs `shared_preload_libraries=pg_stat_statements` on the server and
 * `CREATE EXTENSION pg_stat_statements` in the database; the probe resets it before each drain
 * (so give it a server of its own). Not a throughput figure: `pnpm bench` measures those.
 */
import { loadavg } from "node:os";
import { createSubject } from "../subjects/create-subject.js";
import { consumeCount, enqueueInBatches, makeJobs } from "../scenarios/scenario-context.js";
import { now } from "../subjects/bench-subject.js";
import { openPostgresCounters, thisDatabasesStatements } from "./postgres-server-cpu.js";
import { statementLabel, StatementTimeline } from "./statement-timeline.js";

const [library = "hopper", connection = process.env.HOPPER_TEST_POSTGRES_URL ?? "", jobsText = "10000", concurrencyText = "1,10,50", roundsText = "1"] = process.argv.slice(2);
const jobs = Number(jobsText);

const counters = await openPostgresCounters(connection);
const { admin, hasStatements, serverCpu, wal } = counters;
const timeline = new StatementTimeline();
timeline.install(admin);

interface StatementRow {
  readonly query: string;
  readonly calls: string;
  readonly rows: string;
  readonly exec_ms: number;
  readonly wal_bytes: string;
  readonly blocks: string;
}

/** The statements the server ran since the last reset, with `(calls, rows, exec ms, buffers touched, WAL)` each, biggest first. */
async function serverStatements(): Promise<StatementRow[]> {
  const { rows } = await admin.query<StatementRow>(
    `SELECT query, calls::text, rows::text, total_exec_time AS exec_ms, wal_bytes::text,
       (shared_blks_hit + shared_blks_read + local_blks_hit + local_blks_read)::text AS blocks FROM pg_stat_statements
     WHERE ${thisDatabasesStatements}
     ORDER BY total_exec_time DESC`,
  );
  return rows;
}

/** Gaps between consecutive job ends longer than 0.5 ms: time the jobs waited for work (or for the CPU). */
class JobGaps {
  count = 0;
  totalMs = 0;
  /** From the consumer's start to the first job's end: the consumer's start-up and first fetch. */
  firstMs = 0;
  private last = 0;
  private readonly startedAt = now();

  jobEnded(): void {
    const at = now();
    if (this.last === 0) this.firstMs = at - this.startedAt;
    if (this.last > 0 && at - this.last > 0.5) {
      this.count += 1;
      this.totalMs += at - this.last;
    }
    this.last = at;
  }
}

// As the bench prepares every PostgreSQL subject: ANALYZE after each fill (subjects/fill-preparation.ts). Without it a
// fill into a queue the statistics have never seen could make each claim a bitmap scan and a sort of the whole queue.
const subject = await createSubject({ library, connection, backend: "postgres" } as never);
let serial = 0;
try {
  // Warm-up: connections, prepared statements, JIT.
  const warm = `drain-profile-${process.pid}-warm`;
  await subject.prepare(warm);
  await enqueueInBatches(subject, warm, makeJobs(2000), 1000);
  await subject.afterFill?.(warm);
  await consumeCount(subject, warm, 10, 2000, 30_000);

  for (const concurrency of Array.from({ length: Number(roundsText) }, () => concurrencyText.split(",").map(Number)).flat()) {
    const queue = `drain-profile-${process.pid}-${serial++}`;
    await subject.prepare(queue);
    await enqueueInBatches(subject, queue, makeJobs(jobs), 1000);
    await subject.afterFill?.(queue);
    if (hasStatements) await admin.query("SELECT pg_stat_statements_reset()");
    const walBefore = await wal.bytes();
    const serverBefore = serverCpu?.();
    const gaps = new JobGaps();
    timeline.start();
    const cpu = process.cpuUsage();
    const run = await consumeCount(subject, queue, concurrency, jobs, 120_000, () => {
      gaps.jobEnded();
      timeline.jobEnded();
    });
    const used = process.cpuUsage(cpu);
    const spans = timeline.stop(run.elapsedMs);
    const serverAfter = serverCpu?.();
    const walAfter = await wal.bytes();
    const perJob = (value: number, digits = 1) => (value / run.done).toFixed(digits);
    console.log(`\n${library} drain c=${concurrency}: ${run.done} jobs, ${((run.done * 1000) / run.elapsedMs).toFixed(0)} jobs/s (wall, load ${loadAverage()})`);
    console.log(
      `  node CPU ${perJob(used.user + used.system)} µs/job; server CPU ${serverBefore !== undefined && serverAfter !== undefined ? perJob(serverAfter - serverBefore) : "?"} µs/job; WAL ${perJob(walAfter - walBefore, 0)} B/job; ` +
        `first job ended ${gaps.firstMs.toFixed(1)} ms after the consumer started; waits for work: ${gaps.count} gaps over 0.5 ms, ${gaps.totalMs.toFixed(1)} ms of ${run.elapsedMs.toFixed(1)} ms`,
    );
    console.log(`  this process's statements: ${spans}`);
    if (hasStatements) {
      for (const row of await serverStatements()) {
        const calls = Number(row.calls);
        if (calls === 0) continue;
        console.log(
          `  server: ${(calls / run.done).toFixed(4)} calls/job, ${(Number(row.rows) / calls).toFixed(1)} rows/call, ${((row.exec_ms * 1000) / run.done).toFixed(1)} µs exec/job, ${perJob(Number(row.blocks))} buffers/job, ${perJob(Number(row.wal_bytes), 0)} B WAL/job  ${statementLabel(row.query)}`,
        );
      }
    }
  }
} finally {
  await subject.close();
  await counters.close();
}

function loadAverage(): string {
  return loadavg()[0]!.toFixed(1);
}
