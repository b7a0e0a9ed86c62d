import { HopperError } from "./hopper-error.js";

const name = "MisaddressedMessageError";
const marker = `hopper.error.${name}`;
const symbol = Symbol.for(marker);

/**
 * A message's envelope names another queue than the one it was received from.
 * The worker never runs it nor writes to the named queue: a body must not choose
 * where a worker writes. It is dead-lettered on the receiving queue.
 */
export class MisaddressedMessageError extends HopperError {
  private readonly [symbol] = true;
  readonly receivedQueue: string;
  readonly envelopeQueue: string;

  constructor(options: { receivedQueue: string; envelopeQueue: string }) {
    super({
      name,
      message: `received on queue ${JSON.stringify(options.receivedQueue)} but its envelope names queue ${JSON.stringify(options.envelopeQueue.slice(0, 200))}: not run; whoever wrote it must enqueue to the queue it names`,
    });
    this.receivedQueue = options.receivedQueue;
    this.envelopeQueue = options.envelopeQueue;
  }

  static override isInstance(error: unknown): error is MisaddressedMessageError {
    return HopperError.hasMarker(error, marker);
  }
}
