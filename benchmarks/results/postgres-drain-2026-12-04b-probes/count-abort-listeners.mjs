// Preload for a probe run: counts abort listeners added to AbortSignals (each is one wait of a receive loop's reserve,
// among others) and prints the total at exit. With ab-budget-cpu.sh's A/B files in place:
//   cd apps/bench && node --import ../../benchmarks/results/postgres-drain-2026-12-04b-probes/count-abort-listeners.mjs \
//     --expose-gc --conditions=@hopper/source --import ./src/child/strip-types.mjs --no-warnings src/probe/drain-cpu.ts hopper $URL 10000 1,10,50 1
let added = 0;
const add = EventTarget.prototype.addEventListener;
EventTarget.prototype.addEventListener = function (type, ...rest) {
  if (type === "abort" && this instanceof AbortSignal) added += 1;
  return add.call(this, type, ...rest);
};
process.on("exit", () => console.log(`abort listeners added: ${added}`));
