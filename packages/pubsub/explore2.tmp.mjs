import { PubSub, v1 } from "@google-cloud/pubsub";
const project = process.env.HOPPER_TEST_PUBSUB_PROJECT;
const pubsub = new PubSub({ projectId: project });
const config = await pubsub.getClientConfig();
const sub = new v1.SubscriberClient({ ...config, port: config.port === undefined ? undefined : Number(config.port) });
const t0 = Date.now();
async function setup(ordering) {
  const id = `explore${Date.now().toString(36)}${Math.floor(Math.random()*1e4)}`;
  await pubsub.createTopic(id);
  const t = pubsub.topic(id, { messageOrdering: ordering });
  const [subscription] = await t.createSubscription(id, { ackDeadlineSeconds: 30, enableMessageOrdering: ordering });
  return { t, path: subscription.name };
}
const pull = async (path, max, label, timeout = 3000) => {
  const [r] = await sub.pull({ subscription: path, maxMessages: max, returnImmediately: false }, { timeout, retry: null }).catch((e) => [{ receivedMessages: [], err: e.code }]);
  const got = (r.receivedMessages ?? []).map((m) => ({ ackId: m.ackId, body: m.message.data.toString(), key: m.message.orderingKey }));
  console.log(`${((Date.now()-t0)/1000).toFixed(1)}s`, label, got.map((m) => m.body).join(","), r.err ?? "");
  return got;
};
const ack = (path, ms) => sub.acknowledge({ subscription: path, ackIds: ms.map((m) => m.ackId) });
const mod = (path, ms, s) => sub.modifyAckDeadline({ subscription: path, ackIds: ms.map((m) => m.ackId), ackDeadlineSeconds: s });
const mode = process.argv[2];
if (mode === "delay") {
  // no key, ordering subscription: delayed nack
  const { t, path } = await setup(true);
  await t.publishMessage({ data: Buffer.from("delayed") });
  await t.publishMessage({ data: Buffer.from("immediate") });
  const got = await pull(path, 5, "first pull:");
  const d = got.find((m) => m.body === "delayed"); const i = got.find((m) => m.body === "immediate");
  if (d) await mod(path, [d], 3);
  if (i) await ack(path, [i]);
  for (let k = 0; k < 6; k++) { const g = await pull(path, 5, "pull:"); if (g.length) { await ack(path, g); } }
}
if (mode === "partial") {
  const { t, path } = await setup(true);
  for (const n of [1, 2, 3, 4, 5]) t.publishMessage({ data: Buffer.from(`a-${n}`), orderingKey: "a" });
  await t.flush();
  const got = await pull(path, 10, "first:");
  await ack(path, [got[0]]); console.log("acked", got[0].body);
  await pull(path, 10, "after ack head:");
  await mod(path, [got[2]], 0); console.log("nacked", got[2].body, "(middle)");
  const g2 = await pull(path, 10, "after nack middle:");
  const g3 = await pull(path, 10, "again:");
  console.log("ack old ids of a-2 (still valid?)");
  try { await ack(path, [got[1]]); console.log("ok"); } catch (e) { console.log("err", e.code, e.details); }
  await pull(path, 10, "after:");
}
if (mode === "expire") {
  const { t, path } = await setup(true);
  for (const n of [1, 2, 3]) t.publishMessage({ data: Buffer.from(`a-${n}`), orderingKey: "a" });
  await t.flush();
  const got = await pull(path, 1, "first (max1):");
  await mod(path, got, 10);
  await pull(path, 10, "while head out:");
  const st = Date.now();
  let g = [];
  while (Date.now() - st < 20000) { g = await pull(path, 10, "waiting expiry:"); if (g.length) break; }
}
if (mode === "extendtail") {
  // pull a-1 and a-2 together, ack a-1, keep a-2 extended: does a-3 come?
  const { t, path } = await setup(true);
  for (const n of [1, 2, 3, 4]) t.publishMessage({ data: Buffer.from(`a-${n}`), orderingKey: "a" });
  await t.flush();
  const got = await pull(path, 2, "first (max2):");
  await ack(path, [got[0]]); console.log("acked", got[0].body);
  await pull(path, 10, "with a-2 still out:");
  await mod(path, [got[1]], 0); console.log("nacked", got[1].body);
  await pull(path, 10, "after nack a-2:");
}
await sub.close(); await pubsub.close();
