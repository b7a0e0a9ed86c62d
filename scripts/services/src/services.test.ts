import { randomUUID } from "node:crypto";
import { CreateQueueCommand, DeleteMessageCommand, DeleteQueueCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { PubSub, type Message } from "@google-cloud/pubsub";
import { Cluster, Redis } from "ioredis";
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeWithService } from "./test-helpers.js";
import { startServices, stopServices } from "./services.js";

const unique = () => `hopper-${randomUUID().slice(0, 8)}`;

describeWithService("redis", (variables) => {
  it("sets and gets a key with ioredis", async () => {
    const redis = new Redis(variables.HOPPER_TEST_REDIS_URL ?? "");
    try {
      const key = unique();
      await redis.set(key, "value");
      expect(await redis.get(key)).toBe("value");
      await redis.del(key);
    } finally {
      redis.disconnect();
    }
  });
});

describeWithService("postgres", (variables) => {
  it("runs queries with pg", async () => {
    const client = new pg.Client({ connectionString: variables.HOPPER_TEST_POSTGRES_URL });
    await client.connect();
    try {
      const table = unique().replaceAll("-", "_");
      expect((await client.query("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
      await client.query(`CREATE TEMP TABLE ${table} (id int)`);
      await client.query(`INSERT INTO ${table} VALUES (42)`);
      expect((await client.query(`SELECT id FROM ${table}`)).rows).toEqual([{ id: 42 }]);
      expect((await client.query("SELECT current_database() AS name")).rows[0].name).toBe("hopper");
    } finally {
      await client.end();
    }
  });
});

describeWithService("pubsub", (variables) => {
  it("publishes and receives through the emulator with @google-cloud/pubsub", async () => {
    // PUBSUB_EMULATOR_HOST in the environment points the client at the emulator.
    const pubsub = new PubSub({ projectId: variables.HOPPER_TEST_PUBSUB_PROJECT });
    const [topic] = await pubsub.createTopic(unique());
    const [subscription] = await topic.createSubscription(unique());
    try {
      const received = new Promise<string>((resolve, reject) => {
        subscription.on("error", reject);
        subscription.on("message", (message: Message) => {
          message.ack();
          resolve(message.data.toString("utf8"));
        });
      });
      await topic.publishMessage({ data: Buffer.from("hello pubsub") });
      expect(await received).toBe("hello pubsub");
    } finally {
      await subscription.close();
      await subscription.delete();
      await topic.delete();
      await pubsub.close();
    }
  });
});

describeWithService("sqs", (variables) => {
  it("sends, receives and deletes through the emulator with @aws-sdk/client-sqs", async () => {
    // Region and credentials come from AWS_REGION / AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY.
    const sqs = new SQSClient({ endpoint: variables.HOPPER_TEST_SQS_ENDPOINT });
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: unique() }));
    try {
      await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: "hello sqs" }));
      const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 5, MaxNumberOfMessages: 1 }));
      expect(Messages?.[0]?.Body).toBe("hello sqs");
      await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: Messages?.[0]?.ReceiptHandle }));
    } finally {
      await sqs.send(new DeleteQueueCommand({ QueueUrl }));
      sqs.destroy();
    }
  });
});

// The cluster is not in the default set: this file starts it through the library API.
describeWithService("redis", () => {
  let nodes: string | undefined;

  beforeAll(async () => {
    nodes = process.env.HOPPER_TEST_REDIS_CLUSTER_NODES ?? (await startServices(["redis-cluster"])).HOPPER_TEST_REDIS_CLUSTER_NODES;
  });
  afterAll(async () => {
    await stopServices({ names: ["redis-cluster"] });
  });

  it("writes keys across the 3-node Redis Cluster with ioredis", async () => {
    const cluster = new Cluster(
      (nodes ?? "").split(",").map((node) => {
        const [host, port] = node.split(":");
        return { host: host ?? "127.0.0.1", port: Number(port) };
      }),
    );
    try {
      const keys = Array.from({ length: 20 }, () => unique());
      for (const key of keys) await cluster.set(key, key);
      for (const key of keys) expect(await cluster.get(key)).toBe(key);
      const masters = cluster.nodes("master");
      expect(masters).toHaveLength(3);
    } finally {
      cluster.disconnect();
    }
  });
});
