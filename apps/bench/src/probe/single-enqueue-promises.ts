/**
 * How many promises one single enqueue makes, counted (async_hooks' promise init, 4,000 enqueues with `callers`
 * in flight after a warm-up), and where (the two frames above each promise's creation):
 *   node --stack-trace-limit=12 --conditions=@hopper/source --import ./src/child/strip-types.mjs --no-warnings \
 *     src/probe/single-enqueue-promises.ts <library> <connection> [callers=40] [top=12]
 * Counting only: the hook slows every promise, so time nothing here.
 */
import { createHook } from "node:async_hooks";
import { createSubject } from "../subjects/create-subject.js";
import { makeJobs, withCallers } from "../scenarios/scenario-context.js";
import { warmSingleEnqueue } from "./warm-single-enqueue.js";

const [library = "hopper", connection = "", callersText = "40", topText = "12"] = process.argv.slice(2);
const subject = await createSubject({ library, connection } as never);
try {
  await warmSingleEnqueue(subject, `promises-warm-${process.pid}`, 2000, 10);
  const queue = `promises-${process.pid}`;
  await subject.prepare(queue);
  const list = makeJobs(4000);
  const bySite = new Map<string, number>();
  let count = 0;
  const hook = createHook({
    init(_id, type) {
      if (type !== "PROMISE") return;
      count += 1;
      // Frames 0-4 are this hook and async_hooks' own; then the promise's maker and its caller.
      const site = new Error().stack!.split("\n").slice(5, 7).map((line) => line.trim().replace(/^at /, "").replace(/\(.*\/(packages|apps|node_modules)\//, "($1/")).join(" < ");
      bySite.set(site, (bySite.get(site) ?? 0) + 1);
    },
  });
  hook.enable();
  await withCallers(list.length, Number(callersText), (index) => subject.enqueueOne(queue, list[index]!));
  hook.disable();
  console.log(`${library}: ${(count / list.length).toFixed(2)} promises per single enqueue (${callersText} callers)`);
  for (const [site, n] of [...bySite].sort((a, b) => b[1] - a[1]).slice(0, Number(topText))) console.log(`${(n / list.length).toFixed(2).padStart(6)}  ${site}`);
} finally {
  await subject.close();
}
