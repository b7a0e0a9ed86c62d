import { diag, metrics, type MeterProvider, type ObservableResult } from "@opentelemetry/api";
import { ConfigurationError, redactedError, type Hopper } from "@hopper/core";
import { optionKeysOf, rejectUnknownOptions } from "@hopper/core/backend";
import { ATTR_HOPPER_QUEUE_NAME, ATTR_MESSAGING_DESTINATION_NAME, ATTR_MESSAGING_SYSTEM, messagingSystem } from "./semantic-conventions.js";
import { INSTRUMENTATION_NAME } from "./telemetry-options.js";

const queueDepthOptionKeys = optionKeysOf<QueueDepthOptions>({ hopper: true, queues: true, meterProvider: true });

export interface QueueDepthOptions {
  readonly hopper: Pick<Hopper, "backend">;
  readonly queues: readonly string[];
  /** Default: the global meter provider. */
  readonly meterProvider?: MeterProvider;
}

/**
 * Reports `hopper.queue.depth` (jobs by `hopper.queue.state`: ready, delayed, in_flight) for each queue,
 * read from the backend's `stats` at every collection. One process is enough: every process that calls it
 * reports the same numbers. Refuses a backend without `stats`. `stop()` ends the reporting.
 */
export async function observeQueueDepth(options: QueueDepthOptions): Promise<{ stop(): void }> {
  if (typeof options === "object" && options !== null) rejectUnknownOptions(options, queueDepthOptionKeys, "observeQueueDepth()");
  if (!Array.isArray(options?.queues) || options.queues.length === 0 || !options.queues.every((queue) => typeof queue === "string")) {
    throw new ConfigurationError({ field: "queues", message: 'give the queue names to observe, e.g. observeQueueDepth({ hopper, queues: ["default"] })' });
  }
  const backend = await options.hopper.backend;
  if (typeof backend.stats !== "function") {
    throw new ConfigurationError({ field: "hopper", message: `the ${backend.name} backend reports no queue stats, so its queue depth cannot be observed` });
  }
  const stats = backend.stats.bind(backend);
  const system = messagingSystem(backend.name);
  const meter = (options.meterProvider ?? metrics.getMeterProvider()).getMeter(INSTRUMENTATION_NAME);
  const depth = meter.createObservableGauge("hopper.queue.depth", { description: "Jobs in a queue, by state (from the backend's stats)", unit: "{job}" });
  const observe = async (result: ObservableResult) => {
    await Promise.all(
      options.queues.map(async (queue) => {
        try {
          const counts = await stats(queue);
          // The transport's name for the queue, as the job spans and metrics carry it.
          const labels = { [ATTR_MESSAGING_DESTINATION_NAME]: backend.destinationOf?.(queue) ?? queue, [ATTR_HOPPER_QUEUE_NAME]: queue, [ATTR_MESSAGING_SYSTEM]: system };
          result.observe(counts.ready, { ...labels, "hopper.queue.state": "ready" });
          result.observe(counts.delayed, { ...labels, "hopper.queue.state": "delayed" });
          result.observe(counts.inFlight, { ...labels, "hopper.queue.state": "in_flight" });
        } catch (error) {
          // A backend down for one collection leaves a gap, not a failed export; the driver's error may quote its URL.
          diag.warn(`hopper.queue.depth: stats for queue ${queue} failed`, redactedError(error));
        }
      }),
    );
  };
  depth.addCallback(observe);
  return { stop: () => depth.removeCallback(observe) };
}
