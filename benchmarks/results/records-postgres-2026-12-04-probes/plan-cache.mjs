// Whether the enqueue statements (records off and on, 1 and 100 messages) run on a cached generic plan or are
// planned again at every execution (custom plans), and the backend's CPU per statement either way (issue #20).
// plan_cache_mode auto (the server's default), then force_generic_plan, then force_custom_plan, on one connection.
//
//   cd <worktree> && eval "$(pnpm -s services env)"
//   node_modules/.bin/tsx --conditions=@hopper/source benchmarks/results/records-postgres-2026-12-04-probes/plan-cache.mjs [reps=200]
import { createHash } from "node:crypto";
import { enqueueMessages } from "../../../packages/postgres/src/operations/enqueue-messages.ts";
import { benchMessages, scratchSchema } from "./scratch-schema.mjs";

const reps = Number(process.argv[2] ?? 200);
const { pool, schema, sql, serverNs, drop } = await scratchSchema("probe_plans");
const client = await pool.connect();
let prefix = "a";
// Named per mode, so each mode prepares its own statements on this connection.
const executor = { query: async (text, params) => (await client.query({ name: `${prefix}_${createHash("sha1").update(text).digest("hex").slice(0, 20)}`, text, values: params })).rows };
for (const mode of ["auto", "force_generic_plan", "force_custom_plan"]) {
  await client.query(`SET plan_cache_mode = ${mode}`);
  prefix = mode.slice(0, 8);
  for (const count of [1, 100]) {
    for (const records of [false, true]) {
      const run = () => enqueueMessages(executor, schema, benchMessages(count, records, `probe-${crypto.randomUUID().slice(0, 6)}`), records ? sql : undefined);
      for (let i = 0; i < 10; i++) await run();
      const cpu = serverNs();
      for (let i = 0; i < reps; i++) await run();
      const used = (serverNs() - cpu) / 1000 / reps;
      const plans = (await client.query(`SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name LIKE '${prefix}_%' ORDER BY prepare_time DESC LIMIT 1`)).rows[0];
      console.log(`${mode}, ${count} message(s), records ${records ? "on" : "off"}: server ${used.toFixed(1)} µs/statement (${(used / count).toFixed(2)} µs/job); plans generic ${plans.generic_plans}, custom ${plans.custom_plans}`);
    }
  }
}
client.release();
await drop();
