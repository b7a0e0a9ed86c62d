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
  console.log(`${((Date.now()-t0)/1000).toFixed(1)}s`, label, got.map((m) => `${m.body}`).join(","), r.err ?? "");
  return got;
};
const ack = (path, ms) => sub.acknowledge({ subscription: path, ackIds: ms.map((m) => m.ackId) });
const mod = (path, ms, s) => sub.modifyAckDeadline({ subscription: path, ackIds: ms.map((m) => m.ackId), ackDeadlineSeconds: s });
const pub = async (t, names, key) => { for (const n of names) t.publishMessage({ data: Buffer.from(n), ...(key && { orderingKey: key }) }); await t.flush(); };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const mode = process.argv[2];
for (const [label, ordering, key] of [["keyless/ordering sub", true, undefined], ["keyed", true, "k"], ["keyless/plain sub", false, undefined]]) {
  const { t, path } = await setup(ordering);
  await pub(t, ["first", "second"], key);
  const g = await pull(path, 5, `${label}: pull`);
  await mod(path, [g[0]], 2); await ack(path, [g[1]]); console.log("modAck first 2s, ack second");
  await sleep(2500);
  const h = await pull(path, 5, `${label}: after 2.5s`);
  await ack(path, h);
  await pull(path, 5, `${label}: after acking those`);
}
{
  const { t, path } = await setup(true);
  await pub(t, ["first", "second"]);
  const g = await pull(path, 5, `keyless: pull`);
  await mod(path, [g[0]], 0); await ack(path, [g[1]]); console.log("nack first (0), ack second");
  await pull(path, 5, `after`);
}
await sub.close(); await pubsub.close();
