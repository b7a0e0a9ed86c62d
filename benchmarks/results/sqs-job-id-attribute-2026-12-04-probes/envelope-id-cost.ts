/**
 * CPU per message of reading the job id from a body (sqs-job-id.ts's envelopeIdOf), against one JSON.parse of
 * the same body (the core's decode, which the fast path avoids doubling). The body is the bench's no-op job's
 * envelope as the core writes it; 7 rounds of 200,000 calls each, medians printed.
 *   source /work/env.sh && cd apps/bench && node --conditions=@hopper/source --import ./src/child/strip-types.mjs \
 *     ../../benchmarks/results/sqs-job-id-attribute-2026-12-04-probes/envelope-id-cost.ts
 */
import { randomUUID } from "node:crypto";
import { encodeEnvelope } from "@hopper/core";
import { envelopeIdOf } from "../../../packages/sqs/src/sqs-job-id.ts";

const body = () =>
  encodeEnvelope({ hopper: 1, id: randomUUID(), job: "Noop", version: 1, args: { sentAt: Date.now() + Math.random(), padding: "" }, queue: "bench-drain", priority: 0, enqueuedAt: new Date().toISOString(), attempt: 1, meta: {} });
const bodies = Array.from({ length: 1000 }, body);
let sink = 0;
const variants: Record<string, (text: string) => unknown> = { envelopeIdOf, "JSON.parse": (text) => JSON.parse(text) };
const perCall: Record<string, number[]> = {};
for (let round = 0; round < 8; round++) {
  for (const [name, read] of Object.entries(variants)) {
    const start = process.hrtime.bigint();
    for (let call = 0; call < 200_000; call++) sink += (read(bodies[call % bodies.length]!) as object) ? 1 : 0;
    const ns = Number(process.hrtime.bigint() - start) / 200_000;
    if (round > 0) (perCall[name] ??= []).push(ns);
  }
}
console.log(`body ${bodies[0]!.length} characters; ${sink > 0 ? "" : "(none read) "}ns per call, 7 rounds after a warm-up:`);
for (const [name, list] of Object.entries(perCall)) console.log(name.padEnd(12), "median", list.sort((a, b) => a - b)[3]!.toFixed(0), "ns:", list.map((x) => x.toFixed(0)).join(" "));
