/**
 * What per-call planning costs the server for Hopper's claim and ack, counted on one connection: server CPU per
 * call (the backend's /proc/<pid>/schedstat) of the empty claim (a queue with no due row, 20,000 rows of another
 * queue in the table), of a one-token stale ack and of a one-message enqueue, each sent three ways, interleaved in blocks:
 *   unnamed   parsed, analyzed, rewritten and planned at every call (main since #18);
 *   named     parsed once per connection, PostgreSQL's default plan cache (generic plan after 5 custom ones);
 *   custom    parsed once per connection, planned at every call (`plan_cache_mode = force_custom_plan` on the connection).
 * With `phases`, also each phase's server CPU for the unnamed form (log_parser_stats / log_planner_stats sent to
 * the client as LOG messages: needs a superuser, i.e. your own server).
 *
 * It imports the operations from packages/postgres/src, so it lives here and runs from a copy in apps/bench:
 *   cp benchmarks/results/postgres-plan-cost-2026-12-04-probes/statement-cost.ts apps/bench/src/probe/tmp-statement-cost.ts && cd apps/bench && \
 *   node --conditions=@hopper/source --import ./src/child/strip-types.mjs src/probe/tmp-statement-cost.ts \
 *     <postgres url> [blocks=10] [calls per block=500] [phases]; rm src/probe/tmp-statement-cost.ts
 *   (ENQUEUE_BATCH=n: n messages per enqueue statement, default 1)
 *
 * Records off (the bench's default). Uses a throwaway schema `plancost` (dropped first and at the end). Not a throughput figure.
 */
import { readFileSync } from "node:fs";
import pg from "pg";
import { createPostgresBackend } from "@hopper/postgres";
import { claimMessages } from "../../../../packages/postgres/src/operations/claim-messages.ts";
import { deleteMessages } from "../../../../packages/postgres/src/operations/delete-messages.ts";
import { enqueueMessages } from "../../../../packages/postgres/src/operations/enqueue-messages.ts";
import { resolveSchema } from "../../../../packages/postgres/src/postgres-schema.ts";
import type { SqlExecutor } from "../../../../packages/postgres/src/postgres-executor.ts";

const [url = process.env.HOPPER_TEST_POSTGRES_URL ?? "", blocksText = "10", callsText = "500", phases] = process.argv.slice(2);
const blocks = Number(blocksText);
const calls = Number(callsText);
const schemaName = "plancost";

const admin = new pg.Client({ connectionString: url });
await admin.connect();
await admin.query(`DROP SCHEMA IF EXISTS ${schemaName} CASCADE`);
await (await createPostgresBackend({ connectionString: url, schema: schemaName, maxConnections: 2 })).close();
await admin.query(`INSERT INTO ${schemaName}.messages (id, queue, body) SELECT 'left-' || n, 'leftover', repeat('x', 100) FROM generate_series(1, 20000) AS n`);
await admin.query(`VACUUM ANALYZE ${schemaName}.messages`);

/** The text and parameters an operation sends. */
async function captured(run: (executor: SqlExecutor) => Promise<unknown>): Promise<{ text: string; values: unknown[] }> {
  let sent: { text: string; values: unknown[] } | undefined;
  const executor = { async query(text: string, params: readonly unknown[] = []) { sent = { text, values: [...params] }; return []; } } as unknown as SqlExecutor;
  await run(executor);
  return sent!;
}
const schema = resolveSchema(schemaName);
const claim = await captured((executor) => claimMessages(executor, schema, { queue: "empty", maxMessages: 10, leaseMs: 30_000 }));
const ack = await captured((executor) => deleteMessages(executor, schema, [{ seq: "1", attempts: 99 }]));
let enqueued = 0;
const enqueueBatch = Number(process.env.ENQUEUE_BATCH ?? 1);
// New messages at every call (the insert without dedupe keys), ENQUEUE_BATCH of them (default 1: a one-job enqueue).
const statements: Record<string, () => Promise<{ text: string; values: unknown[] }>> = {
  claim: async () => claim,
  ack: async () => ack,
  [`enqueue ${enqueueBatch}`]: () => captured((executor) => enqueueMessages(executor, schema, Array.from({ length: enqueueBatch }, () => ({ id: `job-${++enqueued}`, queue: "enqueued", body: "{}" })))),
};

const modes = ["unnamed", "named", "custom"] as const;
const clients = new Map<string, { client: pg.Client; pid: number }>();
for (const mode of modes) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  if (mode === "custom") await client.query("SET plan_cache_mode = force_custom_plan");
  const pid = (await client.query("SELECT pg_backend_pid() AS pid")).rows[0].pid;
  clients.set(mode, { client, pid });
}
const runtimeNs = (pid: number) => Number(readFileSync(`/proc/${pid}/schedstat`, "utf8").split(" ")[0]);

const results: Record<string, number[]> = {};
for (let block = 0; block < blocks; block++) {
  for (const [label, statement] of Object.entries(statements)) {
    for (const mode of modes) {
      const { client, pid } = clients.get(mode)!;
      const name = mode === "unnamed" ? undefined : `plancost_${label}`;
      const before = runtimeNs(pid);
      for (let call = 0; call < calls; call++) {
        const { text, values } = await statement();
        await client.query({ name, text, values });
      }
      const us = (runtimeNs(pid) - before) / 1000 / calls;
      (results[`${label} ${mode}`] ??= []).push(us);
    }
  }
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
console.log(`load ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")}; ${blocks} blocks × ${calls} calls; server CPU µs per call, median (min-max) [every block]`);
for (const [key, values] of Object.entries(results)) {
  console.log(`${key.padEnd(20)} ${median(values).toFixed(1)} (${Math.min(...values).toFixed(1)}-${Math.max(...values).toFixed(1)}) [${values.map((v) => v.toFixed(1)).join(" ")}]`);
}

if (phases === "phases") {
  const { client } = clients.get("unnamed")!;
  const totals = new Map<string, number[]>();
  client.on("notice", (notice) => {
    const phase = /^(PARSER|PARSE ANALYSIS|REWRITER|PLANNER|EXECUTOR) STATISTICS/.exec(notice.message ?? "")?.[1];
    const cpu = /([\d.]+) s user, ([\d.]+) s system/.exec(notice.detail ?? "");
    if (phase && cpu) (totals.get(phase) ?? totals.set(phase, []).get(phase)!).push((Number(cpu[1]) + Number(cpu[2])) * 1e6);
  });
  await client.query("SET client_min_messages = log");
  await client.query("SET log_parser_stats = on");
  await client.query("SET log_planner_stats = on");
  for (const [label, statement] of Object.entries(statements)) {
    totals.clear();
    for (let call = 0; call < calls; call++) await client.query({ text: (await statement()).text, values: (await statement()).values });
    console.log(`${label} unnamed, by phase (µs CPU per call, mean of ${calls}): ${[...totals].map(([phase, values]) => `${phase} ${(values.reduce((a, b) => a + b, 0) / values.length).toFixed(1)}`).join(", ")}`);
  }
  await client.query("RESET ALL");
}
for (const { client } of clients.values()) await client.end();
await admin.query(`DROP SCHEMA IF EXISTS ${schemaName} CASCADE`);
await admin.end();
