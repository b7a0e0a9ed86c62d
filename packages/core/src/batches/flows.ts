import { randomUUID } from "node:crypto";
import type { Envelope } from "../envelope/envelope.js";
import { ConfigurationError } from "../errors/configuration-error.js";
import { JobNotFoundError } from "../errors/job-not-found-error.js";
import type { JobDefinition, JobRegistry } from "../job-registry.js";
import type { JobClass } from "../job.js";
import { optionKeysOf, rejectUnknownOptions } from "../option-keys.js";
import type { JobRecords } from "../records/job-records.js";
import { resolveOptions } from "../enqueuer.js";
import { batchMemberDefinition, resolveCall, type JobCall } from "./batch-options.js";
import { batchOptionsOf, batchScope, type StoredFlowChild } from "./batch-state.js";
import type { BatchBook, BatchEnqueueOptions } from "./batches.js";
import { derivedJobId, sentOnceOf } from "./workflow-ledger.js";

/** The envelope meta naming a flow child's parent job (its batch is `hopper.batch`). */
export const PARENT_META_KEY = "hopper.parent";

/** A flow's child: `[Job, args]`, or `[Job, args, options]` (another queue, a delay, a priority: any enqueue option but `dedupeKey`). */
export type FlowChild = readonly [JobClass, unknown] | readonly [JobClass, unknown, BatchEnqueueOptions];

export interface FlowOptions {
  /** Enqueued once, when every child succeeded; reads their results with `ctx.childResults()`. */
  readonly parent: JobCall;
  /** At least one; each a job of this Hopper, on any of its queues. A flow is not a child: flows do not nest. */
  readonly children: readonly FlowChild[];
  /** Shown in `status()`. */
  readonly description?: string;
}

/** One child's result, as `ctx.childResults()` gives it, in the order the children were given. */
export interface ChildResult {
  readonly jobId: string;
  readonly job: string;
  readonly queue: string;
  /** What the child's `perform` returned (its record's `result`). */
  readonly result: unknown;
}

export type FlowChildState = "pending" | "succeeded" | "failed" | "dead";

export interface FlowStatus {
  readonly id: string;
  readonly description?: string;
  /** `stopped`: a child failed for good (discarded, cancelled or dead), and the parent never runs. */
  readonly state: "running" | "succeeded" | "stopped";
  readonly parent: { readonly job: string; readonly jobId: string; readonly state: "waiting" | "enqueued" | "succeeded" };
  readonly children: readonly { readonly job: string; readonly jobId: string; readonly state: FlowChildState }[];
  /** The children that stopped the flow (failed or dead). */
  readonly stoppedBy: readonly string[];
}

/** A flow: children first, then their parent, once every child succeeded. */
export interface Flow {
  /** The flow's id, which is also its batch's id (`hopper.batches.get(id)`). */
  readonly id: string;
  /** The parent's job id, known before it is enqueued: `hopper.jobs.wait(flow.parentJobId)`. */
  readonly parentJobId: string;
  status(): Promise<FlowStatus>;
}

/** A flow as `hopper.flow()` made it: with its children's job ids, in the order given. */
export interface CreatedFlow extends Flow {
  readonly childJobIds: readonly string[];
}

export interface FlowsDependencies {
  readonly registry: JobRegistry;
  /** Where children's results are read (`hopper.jobs`). */
  readonly jobs: JobRecords;
  /** False when `createHopper` had no `records`: flows refuse. */
  readonly recordsOn: boolean;
}

const flowOptionKeys = optionKeysOf<FlowOptions>({ parent: true, children: true, description: true });
const batchPrefix = "hopper:batch:";

/**
 * Flows are batches: the children are the batch's members, the parent its
 * `onSuccess`, and the children's ids are kept in the batch's options so the
 * parent can read their results from the job records. The counting, the
 * once-only send of the parent and the crash argument are the batch's.
 */
export class FlowBook {
  constructor(
    private readonly batches: BatchBook,
    private readonly dependencies: FlowsDependencies,
  ) {}

  async create(options: FlowOptions): Promise<CreatedFlow> {
    if (!this.dependencies.recordsOn) {
      throw new ConfigurationError({ field: "records", message: "a flow's parent reads its children's results from their job records: turn records on with createHopper({ records: {} }) in every process" });
    }
    if (typeof options !== "object" || options === null) throw new ConfigurationError({ field: "flow", message: "takes { parent: [Job, args], children: [[Job, args], [Job, args, { queue }]], description? }" });
    rejectUnknownOptions(options, flowOptionKeys, "flow", "flow.");
    if (options.description !== undefined && (typeof options.description !== "string" || options.description.length > 1000)) {
      throw new ConfigurationError({ field: "flow.description", message: "must be a string of at most 1000 characters" });
    }
    const parent = await resolveCall(this.dependencies.registry, "flow.parent", options.parent);
    const children = await this.checkChildren(options.children);
    const batchId = randomUUID();
    const parentJobId = derivedJobId(batchScope(batchId), "onSuccess");
    const stored: StoredFlowChild[] = children.map((child) => ({ jobId: child.jobId, job: child.definition.name }));
    const batch = await this.batches.open({ createdAt: new Date().toISOString(), ...(options.description !== undefined && { description: options.description }), onSuccess: parent, children: stored }, batchId);
    // A child that fails to send leaves the flow unsealed: its parent never runs, and the call rejects.
    await Promise.all(children.map((child) => this.batches.addMembers(batchId, child.definition, [child.args], child.options, { [PARENT_META_KEY]: parentJobId }, [child.jobId])));
    await batch.seal();
    return { ...this.get(batchId), childJobIds: stored.map((child) => child.jobId) };
  }

  get(flowId: string): Flow {
    const batch = this.batches.get(flowId);
    return { id: batch.id, parentJobId: derivedJobId(batchScope(batch.id), "onSuccess"), status: () => this.status(batch.id) };
  }

  /** `ctx.childResults` for a job a batch sent as its `onSuccess` (a flow's parent); undefined for any other job. No store call until it is called. */
  childResultsOf(envelope: Envelope): (() => Promise<ChildResult[]>) | undefined {
    const sent = sentOnceOf(envelope.meta);
    if (!sent || sent.name !== "onSuccess" || !sent.scope.startsWith(batchPrefix)) return undefined;
    const batchId = sent.scope.slice(batchPrefix.length);
    return () => this.childResults(batchId);
  }

  async status(flowId: string): Promise<FlowStatus> {
    const state = this.batches.state(flowId);
    const [info, done] = await Promise.all([state.ledger.read(), state.done()]);
    const options = batchOptionsOf(info);
    if (!options?.children || !options.onSuccess) throw new ConfigurationError({ field: "flowId", message: `no flow ${flowId} (never created, expired, or a batch that is not a flow)` });
    const children = options.children.map((child) => ({ job: child.job, jobId: child.jobId, state: (done.get(child.jobId) ?? "pending") as FlowChildState }));
    const stoppedBy = children.filter((child) => child.state === "failed" || child.state === "dead").map((child) => child.jobId);
    const parentState = info.has("succeeded:onSuccess") ? "succeeded" : info.has("enqueued:onSuccess") ? "enqueued" : "waiting";
    return {
      id: flowId,
      ...(options.description !== undefined && { description: options.description }),
      state: stoppedBy.length > 0 ? "stopped" : parentState === "succeeded" ? "succeeded" : "running",
      parent: { job: options.onSuccess.job, jobId: derivedJobId(batchScope(flowId), "onSuccess"), state: parentState },
      children,
      stoppedBy,
    };
  }

  private async childResults(batchId: string): Promise<ChildResult[]> {
    const options = batchOptionsOf(await this.batches.state(batchId).ledger.read());
    if (!options) throw new ConfigurationError({ field: "childResults", message: `batch ${batchId} expired: its children's ids are gone` });
    if (!options.children) throw new ConfigurationError({ field: "childResults", message: "only a flow's parent (hopper.flow) has child results; this job is a batch's onSuccess" });
    return Promise.all(
      options.children.map(async (child) => {
        const record = await this.dependencies.jobs.get(child.jobId);
        if (!record) throw new JobNotFoundError({ jobId: child.jobId });
        // Written before the bookkeeping that sent this parent; anything else means the record was replaced since.
        if (record.state !== "succeeded") throw new Error(`child ${child.jobId} (${child.job}) of flow ${batchId} reads ${record.state}, not succeeded: its record changed after the flow ended`);
        return { jobId: child.jobId, job: record.job, queue: record.queue, result: record.result };
      }),
    );
  }

  private async checkChildren(children: unknown): Promise<{ definition: JobDefinition; args: unknown; options: BatchEnqueueOptions; jobId: string }[]> {
    if (!Array.isArray(children) || children.length === 0) {
      throw new ConfigurationError({ field: "flow.children", message: "give at least one child: hopper.flow({ parent: [Parent, args], children: [[Child, args]] }); a job with no children is a plain enqueue" });
    }
    const checked = [];
    for (const [index, child] of (children as unknown[]).entries()) {
      const field = `flow.children[${index}]`;
      if (typeof child === "object" && child !== null && !Array.isArray(child) && ("parent" in child || "children" in child || "parentJobId" in child)) {
        throw new ConfigurationError({ field, message: "flows do not nest: a child is [Job, args]; to wait on a sub-flow, start it from a child job and have that child wait for its parent (hopper.jobs.wait)" });
      }
      if (!Array.isArray(child) || child.length < 2 || child.length > 3) throw new ConfigurationError({ field, message: "must be [JobClass, args] or [JobClass, args, { queue, … }]" });
      const [jobClass, args, options = {}] = child as [JobClass, unknown, BatchEnqueueOptions?];
      if (typeof options !== "object" || options === null) throw new ConfigurationError({ field: `${field}[2]`, message: "must be enqueue options such as { queue: \"reports\" }" });
      await resolveCall(this.dependencies.registry, field, [jobClass, args]);
      const definition = batchMemberDefinition(this.dependencies.registry, jobClass, options, `${field}[2]`);
      // Every child's options before any is sent: a bad one found at its own send left the others running in a flow
      // that could never finish.
      resolveOptions(definition, options, `${field}[2]`);
      checked.push({ definition, args, options, jobId: randomUUID() });
    }
    return checked;
  }
}
