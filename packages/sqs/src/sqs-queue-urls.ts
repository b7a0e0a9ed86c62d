import { CreateQueueCommand, GetQueueAttributesCommand, GetQueueUrlCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { ConfigurationError } from "@hopper/core";
import { sqsMaxMessageBytes } from "./sqs-message-attributes.js";

/** SQS's own limit on queue names, ".fifo" included. */
const maxSqsQueueNameLength = 80;

/** Where a send goes and how large its messages may be: a queue's URL and its MaximumMessageSize. */
export interface QueueTarget {
  readonly url: string;
  readonly maxMessageBytes: number;
}

export interface QueueUrlOptions {
  readonly queuePrefix: string;
  readonly fifo: boolean;
  readonly createQueues: boolean;
  /** Attributes for queues this backend creates (e.g. RedrivePolicy, KmsMasterKeyId). */
  readonly queueAttributes: Readonly<Record<string, string>>;
}

/**
 * Maps Hopper queue names to SQS queue URLs: `<prefix><name>[.fifo]`, created
 * on first use when `createQueues` is on, else looked up. Each URL is fetched
 * once; a failed lookup is forgotten so the next call tries again.
 */
export class SqsQueueUrls {
  private readonly urls = new Map<string, Promise<string>>();
  private readonly sizes = new Map<string, Promise<number>>();
  private readonly targets = new Map<string, QueueTarget>();

  constructor(
    private readonly client: SQSClient,
    private readonly options: QueueUrlOptions,
  ) {}

  sqsName(queue: string): string {
    return `${this.options.queuePrefix}${queue}${this.options.fifo ? ".fifo" : ""}`;
  }

  /** The queue's URL when a lookup of it is made or under way, without asking SQS. */
  known(queue: string): Promise<string> | undefined {
    return this.urls.get(queue);
  }

  resolve(queue: string): Promise<string> {
    let url = this.urls.get(queue);
    if (!url) {
      url = this.fetch(queue);
      this.urls.set(queue, url);
      url.catch(() => this.urls.delete(queue));
    }
    return url;
  }

  /**
   * The queue's own MaximumMessageSize (body and attributes), read once: a
   * queue made by infrastructure code may take less than SQS's 1 MiB.
   */
  maxMessageBytes(queue: string): Promise<number> {
    let size = this.sizes.get(queue);
    if (!size) {
      size = this.resolve(queue).then(async (url) => {
        const result = await this.client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["MaximumMessageSize"] }));
        const declared = Number(result.Attributes?.MaximumMessageSize);
        return Number.isSafeInteger(declared) && declared > 0 ? Math.min(declared, sqsMaxMessageBytes) : sqsMaxMessageBytes;
      });
      this.sizes.set(queue, size);
      size.catch(() => this.sizes.delete(queue));
    }
    return size;
  }

  /**
   * The queue's URL and size limit once both have been fetched, else undefined: a send to a known queue starts in the
   * caller's own turn of the event loop, with no promise to wait on (a bulk enqueue makes one send per 10 jobs).
   */
  knownTarget(queue: string): QueueTarget | undefined {
    return this.targets.get(queue);
  }

  /** The queue's URL and size limit, fetched once each; remembered for `knownTarget`. */
  async target(queue: string): Promise<QueueTarget> {
    const [url, maxMessageBytes] = await Promise.all([this.resolve(queue), this.maxMessageBytes(queue)]);
    const target = { url, maxMessageBytes };
    this.targets.set(queue, target);
    return target;
  }

  private async fetch(queue: string): Promise<string> {
    const name = this.sqsName(queue);
    if (name.length > maxSqsQueueNameLength) {
      throw new ConfigurationError({ field: "queuePrefix", message: `SQS queue name ${name} is ${name.length} characters, over SQS's ${maxSqsQueueNameLength}: shorten the prefix or the queue name` });
    }
    if (this.options.createQueues) return this.create(name);
    try {
      const result = await this.client.send(new GetQueueUrlCommand({ QueueName: name }));
      if (!result.QueueUrl) throw new Error(`GetQueueUrl returned no URL for ${name}`);
      return result.QueueUrl;
    } catch (error) {
      if (isQueueMissing(error)) {
        throw new ConfigurationError({
          field: "createQueues",
          message: `SQS queue ${name} does not exist: create it (with your infrastructure code${this.options.fifo ? ", FifoQueue=true" : ""}) or set createQueues: true (URL: ?createQueues=true)`,
          cause: error,
        });
      }
      throw error;
    }
  }

  private async create(name: string): Promise<string> {
    const attributes: Record<string, string> = {
      // SQS's maximum, stated so the queue does not depend on the account's default.
      MaximumMessageSize: "1048576",
      ...(this.options.fifo && { FifoQueue: "true" }),
      ...this.options.queueAttributes,
    };
    try {
      const result = await this.client.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
      if (!result.QueueUrl) throw new Error(`CreateQueue returned no URL for ${name}`);
      return result.QueueUrl;
    } catch (error) {
      // The queue exists with other attributes (set by hand or by IaC): use it as it is.
      if (isQueueNameTaken(error)) {
        const result = await this.client.send(new GetQueueUrlCommand({ QueueName: name }));
        if (result.QueueUrl) return result.QueueUrl;
      }
      throw error;
    }
  }
}

/** As isQueueMissing: "QueueNameExists" in one protocol, "AWS.SimpleQueueService.QueueNameExists" in the other. */
function isQueueNameTaken(error: unknown): boolean {
  const name = (error as Error | undefined)?.name ?? "";
  return ["QueueNameExists", "QueueAlreadyExists"].some((code) => name === code || name === `AWS.SimpleQueueService.${code}`);
}

/** The SDK names this error differently across protocols (JSON vs. the older query protocol). */
export function isQueueMissing(error: unknown): boolean {
  const name = (error as Error | undefined)?.name;
  return name === "QueueDoesNotExist" || name === "AWS.SimpleQueueService.NonExistentQueue";
}
