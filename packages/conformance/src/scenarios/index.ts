import type { Scenario } from "../scenario.js";
import { abortReceive } from "./abort-receive.js";
import { ackRemoves } from "./ack-removes.js";
import { batchBeyondMax } from "./batch-beyond-max.js";
import { astralBodiesRoundTrip, bodiesRoundTrip } from "./bodies-round-trip.js";
import { closeDuringReceive } from "./close-during-receive.js";
import { concurrentEnqueuesShareSends } from "./concurrent-enqueues-share-sends.js";
import { competingConsumers } from "./competing-consumers.js";
import { deduplication } from "./deduplication.js";
import { delayedDelivery } from "./delayed-delivery.js";
import { handBackNotAttempt } from "./hand-back-not-attempt.js";
import { holdsNotAttempts } from "./holds-not-attempts.js";
import { uncountedNack, uncountedNackLostLease } from "./uncounted-nack.js";
import { iterableGracefulStops } from "./iterable-graceful-stops.js";
import { iterableSlices } from "./iterable-slices.js";
import { hungJobKeepsLease } from "./hung-job-keeps-lease.js";
import { jobTimeout } from "./job-timeout.js";
import { leaseExpiry } from "./lease-expiry.js";
import { leaseExtension } from "./lease-extension.js";
import { leaseLost } from "./lease-lost.js";
import { misaddressedMessages } from "./misaddressed-messages.js";
import { longHoldCarried } from "./long-hold-carried.js";
import { nackDelay } from "./nack-delay.js";
import { nackRedelivers } from "./nack-redelivers.js";
import { releasedBody } from "./released-body.js";
import { newerVersionHeld } from "./newer-version-held.js";
import { newerVersionHoldNotAttempt } from "./newer-version-hold-not-attempt.js";
import { oldVersionUpgraded } from "./old-version-upgraded.js";
import { payloadTooLarge } from "./payload-too-large.js";
import { perKeyOrdering } from "./per-key-ordering.js";
import { poisonMessages } from "./poison-messages.js";
import { prefetchBound } from "./prefetch-bound.js";
import { prefetchLease } from "./prefetch-lease.js";
import { prefetchPriority } from "./prefetch-priority.js";
import { priorityOrder } from "./priority-order.js";
import { queueIsolation } from "./queue-isolation.js";
import { queuePause, queuePauseRefusals } from "./queue-pause.js";
import { strictQueueOrder } from "./strict-queue-order.js";
import { moveRefusesUntakeableDelays, takeScheduled } from "./take-scheduled.js";
import { weightedQueueShares } from "./weighted-queue-shares.js";
import { refusesDeduplication, refusesDelay, refusesOrdering, refusesPriority, refusesTransaction } from "./refuses-absent-capabilities.js";
import { refusesUnmetNeedsAtStart } from "./refuses-unmet-needs-at-start.js";
import { retryExhaustion } from "./retry-exhaustion.js";
import { peekLeavesLetters } from "./peek-leaves-letters.js";
import { nackWithBody } from "./nack-with-body.js";
import { iterableKeepsKeyOrder } from "./iterable-keeps-key-order.js";
import { retryThenSuccess } from "./retry-then-success.js";

export const scenarios: readonly Scenario[] = [
  bodiesRoundTrip,
  astralBodiesRoundTrip,
  ackRemoves,
  nackRedelivers,
  releasedBody,
  nackDelay,
  leaseExpiry,
  leaseExtension,
  leaseLost,
  delayedDelivery,
  takeScheduled,
  moveRefusesUntakeableDelays,
  priorityOrder,
  perKeyOrdering,
  deduplication,
  batchBeyondMax,
  concurrentEnqueuesShareSends,
  competingConsumers,
  prefetchBound,
  prefetchPriority,
  prefetchLease,
  queueIsolation,
  strictQueueOrder,
  weightedQueueShares,
  queuePause,
  queuePauseRefusals,
  closeDuringReceive,
  abortReceive,
  payloadTooLarge,
  retryThenSuccess,
  retryExhaustion,
  peekLeavesLetters,
  jobTimeout,
  hungJobKeepsLease,
  oldVersionUpgraded,
  newerVersionHeld,
  holdsNotAttempts,
  handBackNotAttempt,
  uncountedNack,
  uncountedNackLostLease,
  nackWithBody,
  iterableGracefulStops,
  iterableSlices,
  iterableKeepsKeyOrder,
  newerVersionHoldNotAttempt,
  longHoldCarried,
  poisonMessages,
  misaddressedMessages,
  refusesPriority,
  refusesOrdering,
  refusesDeduplication,
  refusesDelay,
  refusesTransaction,
  refusesUnmetNeedsAtStart,
];
