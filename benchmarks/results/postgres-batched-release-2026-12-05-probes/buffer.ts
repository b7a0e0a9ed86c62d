// A worker's buffer of 1,000 claimed messages renewed (extendLease on each, as PrefetchBuffer.renewLeases) and then
// handed back (nack({ countAttempt: false }) on each, as Redelivery.handBackUnstarted), all at once, through the
// backend of the checkout at <root>: statements sent (counted by wrapping its executor) and wall time; meanwhile another
// backend on the same database enqueues single jobs one after another (their latency, as a producer sees it). Copy into apps/bench of this worktree and run from there (the backend is imported from <root>):
//   node --conditions=@hopper/source --import ./src/child/strip-types.mjs --no-warnings <copy> <root> $HOPPER_TEST_POSTGRES_URL <rounds>
import pg from "pg";
const [root, url, roundsText = "5"] = process.argv.slice(2);
const source = (path: string) => import(`${root}/packages/postgres/src/${path}`);
const { openPostgresBackend } = await source("postgres-backend.ts");
const { createPgExecutor } = await source("postgres-executor.ts");
const messagesPerBuffer = 1000;
const schema = `buffer_${process.pid}`;
let statements = 0;
const inner = createPgExecutor(new pg.Pool({ connectionString: url, max: 10 }), { ownsPool: true });
const backend = await openPostgresBackend({ ...inner, query: (...args: unknown[]) => (statements++, (inner.query as any)(...args)) }, "postgres", { schema });
const producer = await openPostgresBackend(createPgExecutor(new pg.Pool({ connectionString: url, max: 2 }), { ownsPool: true }), "postgres", { schema });
const round1 = (ms: number) => Math.round(ms * 10) / 10;
/** Statements and wall time of `work`, started with everything at rest, and single enqueues' latencies meanwhile. */
const measure = async (work: () => Promise<unknown>) => {
  statements = 0;
  let done = false;
  const enqueueMs: number[] = [];
  const producing = (async () => {
    while (!done) {
      const sentAt = performance.now();
      await producer.enqueue([{ id: `side-${process.pid}-${performance.now()}`, queue: "side", body: "x" }]);
      enqueueMs.push(performance.now() - sentAt);
    }
  })();
  const start = performance.now();
  await work();
  const ms = performance.now() - start;
  const sent = statements;
  done = true;
  await producing;
  enqueueMs.sort((a, b) => a - b);
  return { statements: sent, ms: round1(ms), enqueues: enqueueMs.length, enqueueP50Ms: round1(enqueueMs[Math.floor(enqueueMs.length / 2)] ?? 0), enqueueMaxMs: round1(enqueueMs.at(-1) ?? 0) };
};
for (let round = 0; round < Number(roundsText); round++) {
  const queue = `buffer-${round}`;
  await backend.enqueue(Array.from({ length: messagesPerBuffer }, (_, index) => ({ id: `${queue}-${index}`, queue, body: "x" })));
  const held: any[] = [];
  while (held.length < messagesPerBuffer) held.push(...(await backend.receive({ queue, maxMessages: messagesPerBuffer - held.length, waitMs: 0, leaseMs: 600_000 })));
  const renewal = await measure(() => Promise.all(held.map((message) => message.extendLease(600_000))));
  const handBack = await measure(() => Promise.all(held.map((message) => message.nack({ retryAfterMs: 0, countAttempt: false }))));
  const { ready } = await backend.stats(queue);
  console.log(JSON.stringify({ round, renewal, handBack, readyAfter: ready }));
}
await producer.close();
await inner.query(`DROP SCHEMA "${schema}" CASCADE`);
await backend.close();
