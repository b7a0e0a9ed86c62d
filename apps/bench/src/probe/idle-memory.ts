// Where an idle worker's RSS goes, as the bench's idle scenario measures it (its own child flags, its own steps):
//   node --conditions=@hopper/source --import ./src/child/strip-types.mjs --expose-gc src/probe/idle-memory.ts <library> <connection> [settleMs] [concurrency]
// e.g. … idle-memory.ts hopper pubsub://hopper-test   (and @google-cloud/pubsub for the raw client)
// Prints, after a forced GC at each step (before the library, subject created, queue prepared, consumer idle),
// RSS split into V8's committed spaces, external memory and the rest (native: gRPC, TLS, malloc), and on Pub/Sub
// the gRPC channels and subchannels open and the calls each started (grpc-js channelz), and the CPU each step used, so a difference between subjects names its part.
import { createRequire } from "node:module";
import { getHeapSpaceStatistics } from "node:v8";
import { settledRss } from "../scenarios/idle-scenario.js";
import { createSubject } from "../subjects/create-subject.js";

const [library = "hopper", connection = "", settleText = "3000", concurrencyText = "10"] = process.argv.slice(2);
const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);

interface ChannelzCounts {
  readonly channels: number;
  readonly subchannels: number;
  /** Calls started on each channel so far. */
  readonly calls: number[];
}

/** Open gRPC channels, subchannels and sockets of the grpc-js copy Pub/Sub's client uses (undefined off Pub/Sub). */
async function grpcCounts(): Promise<ChannelzCounts | undefined> {
  if (!connection.startsWith("pubsub")) return undefined;
  const requireFromPubSub = createRequire(createRequire(import.meta.url).resolve("@google-cloud/pubsub"));
  const requireFromGax = createRequire(requireFromPubSub.resolve("google-gax"));
  const grpc = requireFromGax("@grpc/grpc-js") as { getChannelzHandlers(): Record<string, (call: unknown, callback: (error: unknown, value: unknown) => void) => void> };
  const handlers = grpc.getChannelzHandlers();
  const ask = <T>(method: string, request: object) =>
    new Promise<T>((resolve, reject) => handlers[method]!({ request }, (error, value) => (error ? reject(error) : resolve(value as T))));
  const top = await ask<{ channel: { subchannel_ref?: { subchannel_id: string }[]; data: { calls_started: string } }[] }>("GetTopChannels", { start_channel_id: 0, max_results: 0 });
  const subchannelIds = new Set(top.channel.flatMap((channel) => (channel.subchannel_ref ?? []).map((ref) => ref.subchannel_id)));
  return { channels: top.channel.length, subchannels: subchannelIds.size, calls: top.channel.map((channel) => Number(channel.data.calls_started)) };
}

let cpuMark = process.cpuUsage();

async function report(step: string): Promise<void> {
  const cpu = process.cpuUsage(cpuMark);
  const rss = settledRss();
  const usage = process.memoryUsage();
  const spaces = getHeapSpaceStatistics()
    .filter((space) => space.space_size > 0)
    .map((space) => `${space.space_name.replace(/_space$/, "")} ${mib(space.space_size)}/${mib(space.space_used_size)}`);
  const native = rss - usage.heapTotal - usage.external;
  const grpc = await grpcCounts();
  console.log(
    `${step.padEnd(18)} rss ${mib(rss)}  heap committed ${mib(usage.heapTotal)} used ${mib(usage.heapUsed)}  external ${mib(usage.external)} (buffers ${mib(usage.arrayBuffers)})  rest ${mib(native)} MiB` +
      `  node CPU ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms` +
      (grpc ? `  grpc channels ${grpc.channels} (calls started ${grpc.calls.join(", ")}), subchannels ${grpc.subchannels}` : ""),
  );
  cpuMark = process.cpuUsage();
  console.log(`${"".padEnd(18)} spaces committed/used MiB: ${spaces.join(", ")}`);
}

await report("before library");
const subject = await createSubject({ library, connection } as never);
await report("subject created");
const queue = `idle-probe-${process.pid}`;
await subject.prepare(queue);
await report("queue prepared");
const consumer = await subject.consume(queue, Number(concurrencyText), () => {});
await new Promise((resolve) => setTimeout(resolve, Number(settleText)));
await report("consumer idle");
await consumer.stop();
await subject.close();
