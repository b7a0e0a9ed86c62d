// EXPLAIN (ANALYZE, BUFFERS, WAL) of the enqueue statement of `count` messages, records on or off (issue #20),
// after `warm` warm-up statements. The statement runs (its rows stay in a scratch schema, dropped after).
//
//   cd <worktree> && eval "$(pnpm -s services env)"
//   node_modules/.bin/tsx --conditions=@hopper/source benchmarks/results/records-postgres-2026-12-04-probes/explain-enqueue.mjs [count=100] [on|off] [warm=50] | cut -c1-200
import { enqueueMessages } from "../../../packages/postgres/src/operations/enqueue-messages.ts";
import { benchMessages, scratchSchema } from "./scratch-schema.mjs";

const count = Number(process.argv[2] ?? 100);
const records = (process.argv[3] ?? "on") === "on";
const warm = Number(process.argv[4] ?? 50);
const { executor, schema, sql, drop } = await scratchSchema("probe_explain");
const batch = () => benchMessages(count, records, `probe-${crypto.randomUUID().slice(0, 6)}`);
for (let i = 0; i < warm; i++) await enqueueMessages(executor, schema, batch(), records ? sql : undefined);
let captured;
await enqueueMessages({ query: async (text, params) => ((captured = { text, params }), []) }, schema, batch(), records ? sql : undefined);
const plan = await executor.query(`EXPLAIN (ANALYZE, BUFFERS, WAL, VERBOSE) ${captured.text}`, captured.params);
console.log(plan.map((row) => row["QUERY PLAN"]).join("\n"));
await drop();
