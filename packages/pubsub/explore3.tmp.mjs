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
const pull = async (path, max, label, timeout = 2000) => {
  const [r] = await sub.pull({ subscription: path, maxMessages: max, returnImmediately: false }, { timeout, retry: null }).catch((e) => [{ receivedMessages: [], err: e.code }]);
  const got = (r.receivedMessages ?? []).map((m) => ({ ackId: m.ackId, body: m.message.data.toString(), key: m.message.orderingKey, id: m.message.messageId }));
  console.log(`${((Date.now()-t0)/1000).toFixed(1)}s`, label, got.map((m) => `${m.body}#${m.id}`).join(","), r.err ?? "");
  return got;
};
const ack = (path, ms) => sub.acknowledge({ subscription: path, ackIds: ms.map((m) => m.ackId) });
const mod = (path, ms, s) => sub.modifyAckDeadline({ subscription: path, ackIds: ms.map((m) => m.ackId), ackDeadlineSeconds: s });
const pub = async (t, names, key) => { for (const n of names) t.publishMessage({ data: Buffer.from(n), ...(key && { orderingKey: key }) }); await t.flush(); };
const mode = process.argv[2];
if (mode === "E1") {
  const { t, path } = await setup(true);
  await pub(t, ["x1", "x2"]);
  const g = await pull(path, 5, "pull:");
  await ack(path, [g[1]]); console.log("acked", g[1].body);
  await mod(path, [g[0]], 0); console.log("nacked", g[0].body);
  await pull(path, 5, "after:");
  const { t: t2, path: p2 } = await setup(true);
  await pub(t2, ["y1", "y2"]);
  const h = await pull(p2, 5, "pull:");
  await ack(p2, [h[1]]); console.log("acked", h[1].body);
  await ack(p2, [h[0]]); console.log("acked", h[0].body);
  await pull(p2, 5, "after:");
  const { t: t3, path: p3 } = await setup(false);
  await pub(t3, ["z1", "z2"]);
  const k = await pull(p3, 5, "no-ordering sub pull:");
  await ack(p3, [k[1]]); await mod(p3, [k[0]], 0); console.log("acked z2, nacked z1");
  await pull(p3, 5, "after:");
}
if (mode === "E2") {
  const { t, path } = await setup(true);
  await pub(t, ["a1", "a2", "a3", "a4"], "a");
  const g = await pull(path, 3, "pull max3:");
  await mod(path, g, 0); console.log("nacked all three in one request");
  await pull(path, 1, "pull max1:");
}
if (mode === "E2b") {
  const { t, path } = await setup(true);
  await pub(t, ["a1", "a2", "a3", "a4"], "a");
  const g = await pull(path, 3, "pull max3:");
  await mod(path, [...g].reverse(), 0); console.log("nacked all three in one request, reversed");
  await pull(path, 10, "pull max10:");
}
if (mode === "E3") {
  const { t, path } = await setup(true);
  await pub(t, ["a1", "a2", "a3", "a4"], "a");
  const g = await pull(path, 3, "pull max3:");
  await mod(path, g, 1); console.log("modAck 1s all three");
  await new Promise((r) => setTimeout(r, 1500));
  await pull(path, 10, "pull max10:");
}
if (mode === "E4") {
  const { t, path } = await setup(true);
  await pub(t, ["a1", "a2", "a3", "a4"], "a");
  const g = await pull(path, 3, "pull max3:");
  await mod(path, [g[0]], 0); console.log("nacked a1 only");
  await pull(path, 10, "pull:");
  await mod(path, [g[1]], 0); console.log("nacked a2");
  await pull(path, 10, "pull:");
  await mod(path, [g[2]], 0); console.log("nacked a3");
  await pull(path, 10, "pull:");
}
if (mode === "E5") {
  // head out, others held: ack head then ack tail one by one
  const { t, path } = await setup(true);
  await pub(t, ["a1", "a2", "a3"], "a");
  await pub(t, ["a4"], "a");
  const g = await pull(path, 2, "pull max2:");
  await ack(path, [g[0]]); await ack(path, [g[1]]); console.log("acked both");
  await pull(path, 1, "pull max1:");
}
await sub.close(); await pubsub.close();
