import { abortableSleep } from "../abortable-sleep.js";
import type { Backend, OutgoingMessage } from "../backend/backend.js";
import { sendInBatches } from "../backend/send-in-batches.js";
import type { Logger } from "../logger.js";
import { onShutdownSignals } from "../shutdown-signals.js";
import { ConfigurationError } from "../errors/configuration-error.js";
import { optionKeysOf, rejectUnknownOptions } from "../option-keys.js";
import type { OutboxRelaySession, OutboxStore, StagedMessage, TakeRows } from "./outbox-store.js";

export interface OutboxRelayOptions {
  /** Stop on SIGTERM and SIGINT while `run()` is active. Default true. */
  readonly handleSignals?: boolean;
  /** Messages taken per pass. Default 500. */
  readonly batchSize?: number;
}

export interface OutboxRelayDependencies {
  readonly outbox: OutboxStore;
  readonly backend: () => Promise<Backend>;
  readonly logger: Logger;
}

const relayOptionKeys = optionKeysOf<OutboxRelayOptions>({ handleSignals: true, batchSize: true });

// Without a NOTIFY (it was missed, or the listener is down), look again this often.
const idleWaitMs = 1000;
const errorBackoffMs = 1000;
const maxErrorBackoffMs = 30_000;

/**
 * Forwards committed outbox rows to the queue, then deletes them: at least
 * once (a relay killed between the send and the delete sends again, with the
 * same job id), in outbox order, one relay at a time per outbox (the store's
 * lease; another process takes over when the holder dies). A message the
 * queue refuses stays and is retried, and later messages of its ordering key
 * wait behind it.
 */
export class OutboxRelay {
  readonly #stopping = new AbortController();
  #running: Promise<void> | undefined;
  readonly #batchSize: number;

  constructor(
    private readonly dependencies: OutboxRelayDependencies,
    private readonly options: OutboxRelayOptions = {},
  ) {
    if (typeof options !== "object" || options === null) throw new ConfigurationError({ field: "options", message: "relay() takes an object such as { batchSize: 500 }" });
    rejectUnknownOptions(options, relayOptionKeys, "relay()");
    if (options.handleSignals !== undefined && typeof options.handleSignals !== "boolean") throw new ConfigurationError({ field: "handleSignals", message: `must be true or false, got ${JSON.stringify(options.handleSignals)}` });
    this.#batchSize = options.batchSize ?? 500;
    if (!Number.isInteger(this.#batchSize) || this.#batchSize < 1) throw new ConfigurationError({ field: "batchSize", message: `must be a positive integer (rows taken per pass), got ${JSON.stringify(options.batchSize)}` });
  }

  /** Relays until `stop()` (or SIGTERM/SIGINT). */
  run(): Promise<void> {
    this.#running ??= this.#loop();
    return this.#running;
  }

  /** Stops after the pass in progress; idempotent. */
  async stop(): Promise<void> {
    this.#stopping.abort();
    await this.#running;
  }

  async #loop(): Promise<void> {
    const { logger } = this.dependencies;
    const removeHandlers = this.options.handleSignals === false ? () => {} : onShutdownSignals(logger, "outbox relay", () => this.stop());
    try {
      let unreachableFor = 0;
      while (!this.#stopping.signal.aborted) {
        let session: OutboxRelaySession | undefined;
        try {
          session = await this.dependencies.outbox.acquireRelay(this.#stopping.signal);
          unreachableFor = 0;
        } catch (error) {
          // The outbox's database restarting (or not up yet): a relay that gave up here would leave every committed
          // job staged until its process restarted. Only a setting that no retry can mend ends it.
          if (ConfigurationError.isInstance(error)) throw error;
          unreachableFor += 1;
          logger.error("the outbox relay cannot ask for its lease; asking again", { outbox: this.dependencies.outbox.name, attempt: unreachableFor, error });
          await abortableSleep(Math.min(errorBackoffMs * 2 ** (unreachableFor - 1), maxErrorBackoffMs), this.#stopping.signal);
          continue;
        }
        if (!session) break;
        logger.info("relaying the outbox", { outbox: this.dependencies.outbox.name });
        try {
          await this.#relayWhileHeld(session);
        } catch (error) {
          logger.error("the outbox relay failed; acquiring its lease again", { error });
          await abortableSleep(errorBackoffMs, this.#stopping.signal);
        } finally {
          await session.release().catch(() => {});
        }
      }
    } finally {
      removeHandlers();
    }
  }

  async #relayWhileHeld(session: OutboxRelaySession): Promise<void> {
    const signal = AbortSignal.any([this.#stopping.signal, session.lost]);
    // Sent rows are deleted by the next take (one round trip per batch), or on the way out; that take runs while the
    // queue answers the batch before it, so PostgreSQL is off the path between two sends.
    let sent: string[] = [];
    let next: Promise<StagedMessage[]> | undefined;
    try {
      while (!signal.aborted) {
        const staged = await (next ?? takeRows(session, this.dependencies.outbox.name, this.#batchSize, idleWaitMs, signal, { remove: sent }));
        if (!next) sent = [];
        next = undefined;
        if (staged.length === 0 || signal.aborted) continue;
        const backend = await this.dependencies.backend();
        const sending = sendInBatches(backend, staged.map(outgoingOf));
        next = takeRows(session, this.dependencies.outbox.name, this.#batchSize, 0, signal, { remove: sent, inFlight: staged.map((entry) => entry.position) });
        // Awaited below; until then its failure must not count as unhandled.
        next.catch(() => {});
        sent = [];
        const results = await sending;
        sent = staged.filter((_, index) => results[index]!.status !== "failed").map((entry) => entry.position);
        const failed = results.flatMap((result) => (result.status === "failed" ? [{ id: result.id, error: result.error }] : []));
        if (failed.length > 0) {
          // The batch taken meanwhile waits: later jobs of a refused job's ordering key must not overtake it.
          await next;
          next = undefined;
          // Not left undeleted through the backoff, where a killed relay would send them again.
          if (sent.length > 0) await session.remove(sent);
          sent = [];
          this.dependencies.logger.error("the queue refused jobs from the outbox; they stay and are retried", { count: failed.length, jobId: failed[0]!.id, error: failed[0]!.error });
          await abortableSleep(errorBackoffMs, signal);
        }
      }
    } finally {
      // The batch taken meanwhile stays staged; a failed take fails the pass, from where it was awaited or here.
      await next;
      // A lost lease means another relay may already be sending these rows: deleting is still right (they were sent).
      if (sent.length > 0) await session.remove(sent);
    }
  }
}

/**
 * A take, refused when it returns a row it was told to delete or leave out: a store written before `take` had
 * `rows` ignores them, and its relay would send the same batch again and again, never deleting it.
 */
async function takeRows(session: OutboxRelaySession, outbox: string, limit: number, waitMs: number, signal: AbortSignal, rows: TakeRows): Promise<StagedMessage[]> {
  const taken = await session.take(limit, waitMs, signal, rows);
  const excluded = new Set([...(rows.remove ?? []), ...(rows.inFlight ?? [])]);
  if (excluded.size > 0 && taken.some((entry) => excluded.has(entry.position))) {
    throw new ConfigurationError({
      field: "outbox",
      message: `the ${outbox} outbox store returned a row its take was told to delete or leave out: it predates take(limit, waitMs, signal, { remove, inFlight }); update it (createPostgresOutbox implements it)`,
    });
  }
  return taken;
}

/** The message to send now: a staged moment becomes the delay left. */
function outgoingOf({ message }: StagedMessage): OutgoingMessage {
  const { deliverAt, ...rest } = message;
  const delayMs = deliverAt === undefined ? 0 : deliverAt - Date.now();
  return delayMs > 0 ? { ...rest, delayMs } : rest;
}
