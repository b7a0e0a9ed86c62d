/**
 * What the Pub/Sub emulator redelivers on a subscription with message ordering when one message is nacked
 * (deadline 0) or left to expire, with the others acked: keyless messages, one key per message, one key for all,
 * and keyless on a subscription without ordering. 30 messages a trial, synchronous pulls, no Hopper code.
 *   PUBSUB_EMULATOR_HOST=... HOPPER_TEST_PUBSUB_PROJECT=... \
 *     node --import ./src/child/strip-types.mjs --no-warnings src/probe/pubsub-emulator-ordering.ts
 */
import { PubSub, v1 } from "@google-cloud/pubsub";

const projectId = process.env.HOPPER_TEST_PUBSUB_PROJECT ?? "hopper-test";
const pubsub = new PubSub({ projectId });
const config = await pubsub.getClientConfig();
const subscriber = new v1.SubscriberClient({ ...config, port: config.port === undefined ? undefined : Number(config.port) });
const messages = 30;
const odd = 5;

async function trial(label: string, keyOf: (n: number) => string | undefined, ordered: boolean, expire: boolean): Promise<void> {
  const name = `emulator-ordering-${label.replaceAll(" ", "-")}-${Date.now()}`;
  const [topic] = await pubsub.createTopic(name);
  const [subscription] = await topic.createSubscription(name, { enableMessageOrdering: ordered, ackDeadlineSeconds: 10 });
  const publisher = pubsub.topic(name, { messageOrdering: true });
  for (let n = 0; n < messages; n++) {
    const orderingKey = keyOf(n);
    await publisher.publishMessage({ data: Buffer.from(String(n)), ...(orderingKey && { orderingKey }) });
  }
  const deliveries = new Map<number, number>();
  const acked = new Set<number>();
  let oddSeen = false;
  let ofAcked = 0;
  // Past the odd message's 10 s deadline when it is left to expire.
  const until = Date.now() + (expire ? 14_000 : 6_000);
  while (Date.now() < until) {
    const [response] = await subscriber.pull({ subscription: subscription.name, maxMessages: 50, returnImmediately: true });
    const ackIds: string[] = [];
    for (const received of response.receivedMessages ?? []) {
      const n = Number(String(received.message?.data));
      deliveries.set(n, (deliveries.get(n) ?? 0) + 1);
      if (acked.has(n)) ofAcked++;
      if (n === odd && !oddSeen) {
        oddSeen = true;
        if (!expire) await subscriber.modifyAckDeadline({ subscription: subscription.name, ackIds: [received.ackId!], ackDeadlineSeconds: 0 });
        continue;
      }
      ackIds.push(received.ackId!);
      acked.add(n);
    }
    if (ackIds.length > 0) await subscriber.acknowledge({ subscription: subscription.name, ackIds });
    else await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const total = [...deliveries.values()].reduce((sum, count) => sum + count, 0);
  console.log(`${label}, ordering ${ordered ? "on" : "off"}, message ${odd} ${expire ? "left to expire" : "nacked"}: ${deliveries.size}/${messages} received, ${total} deliveries, ${ofAcked} of a message already acked`);
  await subscription.delete();
  await topic.delete();
}

const kinds: [string, (n: number) => string | undefined][] = [
  ["keyless", () => undefined],
  ["a key each", (n) => `k${n}`],
  ["one key", () => "k"],
];
for (const expire of [false, true]) {
  for (const [label, keyOf] of kinds) await trial(label, keyOf, true, expire);
  await trial("keyless", () => undefined, false, expire);
}
await pubsub.close();
await subscriber.close();
