// Client CPU per reply element: EVAL replies of 200 "messages", each 6 strings (a body of ~180 chars and 5 short
// fields) or the same text in 2 strings (short fields joined), under whichever ioredis this file is run beside.
const { Redis } = require(process.argv[2]);
const version = require(process.argv[2] + "/package.json").version;
const protocol = process.argv[3] ? { protocol: Number(process.argv[3]) } : {};
const r = new Redis(process.env.HOPPER_TEST_REDIS_URL, protocol);
const body = JSON.stringify({ hopper: 1, id: "0190c0de-0000-7000-8000-000000000000", job: "NoopJob", version: 1, args: [1], queue: "bench", enqueuedAt: new Date().toISOString() });
const six = `local t = {} for i = 1, 200 do local h = string.format('%015d', i) t[#t+1] = h t[#t+1] = '0190c0de-0000-7000-8000-' .. h t[#t+1] = ARGV[1] t[#t+1] = 'tok' .. i t[#t+1] = 1 t[#t+1] = '' end return t`;
const two = `local t = {} for i = 1, 200 do local h = string.format('%015d', i) t[#t+1] = h .. ':0190c0de-0000-7000-8000-' .. h .. ':tok' .. i .. ':1:' t[#t+1] = ARGV[1] end return t`;
async function run(script, calls) {
  const start = process.cpuUsage();
  for (let i = 0; i < calls; i++) await r.eval(script, 0, body);
  const used = process.cpuUsage(start);
  return (used.user + used.system) / (calls * 200);
}
(async () => {
  for (let round = 0; round < 6; round++) {
    const a = await run(six, 300), b = await run(two, 300);
    if (round > 0) console.log(`ioredis ${version}${protocol.protocol ? " protocol " + protocol.protocol : ""}: µs of client CPU per message, 6 strings ${a.toFixed(2)}, 2 strings ${b.toFixed(2)}`);
  }
  r.quit();
})();
