export { Job, type JobContext, type EnqueueOptions, type JobArgs, type JobResult, type JobClass, type PayloadUpgrade, type ConfiguredJob } from "./job.js";
export { IterableJob, type IterationContext, type IterationOptions, type IterationSource, type IterationEntry, type CursorUpgrade } from "./iteration/iterable-job.js";
export { createHopper, type Hopper, type HopperOptions } from "./hopper.js";
export type { QueueRoute, RoutesOptions } from "./routing/routes-options.js";
export type { Batch, Batches, BatchStatus, BatchEnqueueOptions, CallbackState, RunningBatch } from "./batches/batches.js";
export type { BatchOptions, JobCall } from "./batches/batch-options.js";
export type { Chain, ChainStatus, ChainStepState } from "./batches/chains.js";
export type { ChildResult, CreatedFlow, Flow, FlowChild, FlowChildState, FlowOptions, FlowStatus } from "./batches/flows.js";
export { Worker, type WorkerOptions } from "./worker/worker.js";
export type { QueueOrder } from "./worker/queue-selection.js";
export { prefetchLimit } from "./worker/prefetch-target.js";
export type { Queues, QueueInfo } from "./flow-control/queue-admin.js";
export type { QueueHistory, QueueHistoryBucket, QueueHistoryOptions } from "./history/queue-history.js";
export type { Workers, WorkerInfo } from "./worker/worker-registry.js";
export type { Schedules, ScheduleInfo } from "./scheduling/schedule-list.js";
export { HUNG_JOB_EXIT_CODE } from "./worker/hung-job-exit.js";
export type { PushedMessage, PushOutcome } from "./worker/run-message.js";
export { retryOn, discardOn, decideRetry, type RetryOptions, type RetryRule, type RetryDecision, type WaitStrategy } from "./retry-policy.js";
export type { Middleware, EnqueueMiddlewareContext, PerformMiddlewareContext, FailureOutcome } from "./middleware.js";
export { createConsoleLogger, loggerOption, redactCredentials, redactedError, redactingLogger, ThrottledLog, type Logger, type LogLevel, type LineLevel } from "./logger.js";
export { DeadLetters, DEAD_LETTER_FORMAT_VERSION, type DeadLetter, type DeadLetterRetryOutcome, type DeadLetterSelection } from "./dead-letters.js";
export { ENVELOPE_FORMAT_VERSION, decodeEnvelope, encodeEnvelope, type Envelope } from "./envelope/envelope.js";
export { serializeArgs, deserializeArgs } from "./envelope/args-serializer.js";
export { deadLetterQueueName, validateQueueName } from "./names.js";
export { redactUrl } from "./backend-url.js";
export type { Duration } from "./duration.js";
export * from "./errors/index.js";
export { COORDINATION_SPECIFICATION_VERSION, type CoordinationStore, type AcquireOptions, type AcquireResult, type TransactionOption, type RateSlotOptions, type RateSlot, type CoordinationEntry, type PutEntryOptions, type FencedClaim, type FencedClaimOptions, type FenceOptions } from "./coordination/coordination-store.js";
export { refuseTransaction } from "./coordination/refuse-transaction.js";
export { createMemoryCoordinationStore } from "./coordination/memory-coordination-store.js";
export type { ConcurrencyOptions, UniqueOptions } from "./coordination/job-coordination-options.js";
export type { RateLimitOptions, RateLimitsOptions } from "./flow-control/rate-limit-options.js";
export type { JobHold, HoldDecision } from "./flow-control/job-hold.js";
export type { RecurringJobOptions } from "./scheduling/recurring-job.js";
export { Scheduler, type SchedulerOptions } from "./scheduling/scheduler.js";
export {
  checkPayloadCompatibility,
  recordExampleSample,
  type PayloadSample,
  type CompatibilityFinding,
  type CompatibilityProblem,
  type CompatibilityReport,
  type CompatibilityOptions,
} from "./compatibility/payload-compatibility.js";
export type { JobNeed } from "./job-needs.js";
export { RECORD_STORE_SPECIFICATION_VERSION, type RecordStore, type RecordEvent, type StoredJobRecord, type StoredJobState, type HoldReason, type JobIdentity, type InsertedRecord, type StartedRecord, type SettledRecord, type HungRecord, type CancelOutcome, type RecordListQuery, type RecordPage, LISTED_STATES } from "./records/record-store.js";
export { encodeRecordCursor, decodeRecordCursor, type RecordCursor } from "./records/record-cursor.js";
export { createMemoryRecordStore, type MemoryRecordStoreOptions } from "./records/memory-record-store.js";
export { DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT, type JobRecord, type JobRecords, type JobState, type JobListQuery, type JobPage } from "./records/job-records.js";
export type { JobRecordArgs } from "./records/record-values.js";
export type { RecordsOptions, RecordRetention } from "./records/records-options.js";
export { RECORD_KEPT_UNTIL_LATER_WRITE_MS } from "./records/records-options.js";
export { createJobStatusHandler, type JobStatusHandler, type JobStatusHandlerOptions } from "./records/job-status-http.js";
export type { JobEvent, JobEventName, JobEvents } from "./records/job-events.js";
export type { OutboxStore, OutboxRelaySession, StagedMessage, StagedOutgoing, TakeRows } from "./outbox/outbox-store.js";
export { OutboxRelay, type OutboxRelayOptions } from "./outbox/outbox-relay.js";
export { moveJobs } from "./move/move-jobs.js";
export type { MoveJobsOptions, DroppableField } from "./move/move-options.js";
export type { MoveReport, MoveQueueReport, MoveTally, MoveProgress } from "./move/move-report.js";
