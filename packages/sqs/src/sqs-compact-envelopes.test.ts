import { GetQueueUrlCommand, ReceiveMessageCommand, ChangeMessageVisibilityCommand } from "@aws-sdk/client-sqs";
import { describe, expect, it } from "vitest";
import { createConsoleLogger, createHopper, Job, type JobContext } from "@hopper/core";
import { emulatorSides, sqsEndpoint, testQueuePrefix } from "./test-sqs-service.js";

// createHopper({ compactEnvelopes }) on SQS: bodies without the envelope's default fields (what the SDK pays for by
// the byte), named by their envelope's id without the HopperJobId attribute, and run by a worker.
describe.skipIf(!sqsEndpoint)("sqs with compact envelopes", () => {
  const sides = emulatorSides(sqsEndpoint!);
  const unique = (label: string) => `${label}${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;

  function jobsOn(queue: string) {
    const ran: string[] = [];
    class Compact extends Job<{ n: number }> {
      static override queue = queue;
      async perform(args: { n: number }, context: JobContext) {
        ran.push(`${args.n}:${context.attempt}:${context.jobId}`);
      }
    }
    const hopper = createHopper({ backend: sides.backend, jobs: [Compact], logger: createConsoleLogger("silent"), compactEnvelopes: true });
    return { Compact, hopper, ran };
  }

  it("sends bodies without the default fields, and a worker runs each job once under its id", { timeout: 30_000 }, async () => {
    const queue = unique("compactenv");
    const { Compact, hopper, ran } = jobsOn(queue);
    const ids = await hopper.enqueueAll(Compact, [{ n: 1 }, { n: 2 }, { n: 3 }]);
    const queueUrl = (await sides.client.send(new GetQueueUrlCommand({ QueueName: `${testQueuePrefix}${queue}` }))).QueueUrl!;
    const { Messages = [] } = await sides.client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 2 }));
    expect(Messages.length).toBeGreaterThan(0);
    for (const message of Messages) {
      expect(Object.keys(JSON.parse(message.Body!) as object)).toEqual(["hopper", "id", "job", "args", "queue", "enqueuedAt"]);
      await sides.client.send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle!, VisibilityTimeout: 0 }));
    }
    const worker = hopper.worker({ queues: [queue], concurrency: 3, pollWait: "1s", handleSignals: false });
    const running = worker.run();
    for (let wait = 0; wait < 200 && ran.length < 3; wait++) await new Promise((resolve) => setTimeout(resolve, 50));
    await worker.stop();
    await running;
    await hopper.close();
    // The raw receive above counted a delivery of the messages it saw: each ran once, under its id.
    expect(ran.map((run) => run.split(":")[2]).sort()).toEqual([...ids].sort());
    expect(ran.map((run) => run.split(":")[0]).sort()).toEqual(["1", "2", "3"]);
  });
});

