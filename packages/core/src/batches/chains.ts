import { randomUUID } from "node:crypto";
import { ConfigurationError } from "../errors/configuration-error.js";
import { resolveCall, type JobCall } from "./batch-options.js";
import type { BatchOutcome } from "./batch-state.js";
import type { WorkflowHolds } from "./workflow-holds.js";
import { derivedJobId, WorkflowLedger, type CallSender, type StoredCall } from "./workflow-ledger.js";
import type { CoordinationStore } from "../coordination/coordination-store.js";

export type ChainStepState = "waiting" | "enqueued" | "succeeded" | "failed" | "dead";

export interface ChainStatus {
  readonly id: string;
  /** `stopped`: a step failed for good (discarded, cancelled or dead); the steps after it never run. */
  readonly state: "running" | "succeeded" | "stopped";
  /** The index of the step that stopped the chain. */
  readonly stoppedAt?: number;
  readonly steps: readonly { readonly job: string; readonly jobId: string; readonly state: ChainStepState }[];
}

/** A chain: each step runs after the previous one succeeded. */
export interface Chain {
  readonly id: string;
  status(): Promise<ChainStatus>;
}

const chainScope = (chainId: string) => `hopper:chain:${chainId}`;
const chainPrefix = "hopper:chain:";

/**
 * Chains over the same ledger as batches' callbacks: each step is sent once
 * (`WorkflowLedger.sendOnce`, the claim held by the previous step's job id)
 * by the previous step's bookkeeping, which runs before that step's ack. A
 * step that ends without success writes its outcome, and nothing is sent after it.
 */
export class ChainBook {
  constructor(
    private readonly dependencies: CallSender & { readonly coordination: CoordinationStore; readonly keepMs: number },
    private readonly holds: WorkflowHolds,
  ) {}

  async create(steps: readonly JobCall[]): Promise<Chain> {
    if (steps.length === 0) throw new ConfigurationError({ field: "chain", message: "give at least one step: hopper.chain([FirstJob, args], [NextJob, args])" });
    const stored: StoredCall[] = [];
    for (const [index, step] of steps.entries()) stored.push(await resolveCall(this.dependencies.registry, `chain[${index}]`, step));
    const chain = this.get(randomUUID());
    const ledger = this.ledger(chainScope(chain.id));
    await ledger.write("steps", JSON.stringify(stored));
    if ((await ledger.sendOnce(new Map(), "0", "#start", stored[0]!, this.dependencies)) === "unsendable") {
      throw new ConfigurationError({ field: "chain[0]", message: "its payload is over the backend's limit: pass a reference (an id, a URL) rather than the data" });
    }
    return chain;
  }

  get(chainId: string): Chain {
    if (typeof chainId !== "string" || !/^[0-9a-f-]{36}$/.test(chainId)) throw new ConfigurationError({ field: "chainId", message: "must be a chain id as hopper.chain() returned it" });
    return { id: chainId, status: () => this.status(chainId) };
  }

  /** A step's bookkeeping, before its ack: its outcome, then the next step when it succeeded. */
  async stepFinished(scope: string, name: string, outcome: BatchOutcome, jobId: string): Promise<void> {
    if (!scope.startsWith(chainPrefix)) return;
    const ledger = this.ledger(scope);
    if (outcome !== "succeeded") return ledger.write(`outcome:${name}`, outcome);
    const info = await ledger.read();
    const steps = stepsOf(info);
    const next = Number(name) + 1;
    if (!steps || next >= steps.length) return;
    // A step that can never be sent stops the chain there, as a dead one does.
    if ((await ledger.sendOnce(info, String(next), jobId, steps[next]!, this.dependencies)) === "unsendable") await ledger.write(`outcome:${next}`, "dead");
  }

  async status(chainId: string): Promise<ChainStatus> {
    const scope = chainScope(chainId);
    const info = await this.ledger(scope).read();
    const steps = stepsOf(info);
    if (!steps) throw new ConfigurationError({ field: "chainId", message: `no chain ${chainId} (never created, or expired)` });
    const states = steps.map((_, index): ChainStepState => {
      if (info.has(`succeeded:${index}`)) return "succeeded";
      const ended = info.get(`outcome:${index}`);
      if (ended === "failed" || ended === "dead") return ended;
      return info.has(`enqueued:${index}`) ? "enqueued" : "waiting";
    });
    const stoppedAt = states.findIndex((state) => state === "failed" || state === "dead");
    return {
      id: chainId,
      state: stoppedAt >= 0 ? "stopped" : states.every((state) => state === "succeeded") ? "succeeded" : "running",
      ...(stoppedAt >= 0 && { stoppedAt }),
      steps: steps.map((step, index) => ({ job: step.job, jobId: derivedJobId(scope, String(index)), state: states[index]! })),
    };
  }

  private ledger(scope: string): WorkflowLedger {
    return new WorkflowLedger(this.dependencies.coordination, scope, this.dependencies.keepMs, this.holds);
  }
}

function stepsOf(info: ReadonlyMap<string, string>): StoredCall[] | undefined {
  const steps = info.get("steps");
  return steps === undefined ? undefined : (JSON.parse(steps) as StoredCall[]);
}
