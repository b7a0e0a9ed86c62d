import { fileURLToPath } from "node:url";
import type { SubjectSpec } from "../report/result-types.js";
import { IpcChild } from "./ipc-child.js";
import type { ScaleOutMessage, ScaleOutRequest } from "./scale-out-protocol.js";

const scaleOutMain = fileURLToPath(new URL("./scale-out-main.ts", import.meta.url));
/** Bound on a child's start-up, fill excepted, and on its stop and clean-up. */
export const childStepBoundMs = 120_000;

export type ScaleOutCount = Extract<ScaleOutMessage, { type: "count" }>;

/** A filler or worker child (child/scale-out-main.ts): the scale-out scenario's, and the latency scenario's worker in its `process` layout. */
export class ScaleOutChild extends IpcChild<ScaleOutRequest, ScaleOutMessage> {
  constructor(spec: SubjectSpec, onCount: (message: ScaleOutCount) => void = () => {}) {
    super(scaleOutMain, spec, (message) => {
      if (message.type !== "count") return false;
      onCount(message);
      return true;
    });
  }

  /** Closes the child's subject (its queue goes with a filler's), waiting at most the step bound, then makes sure it is gone. */
  async close(): Promise<void> {
    if (!this.exited) {
      this.send({ type: "close" });
      await this.next("closed", childStepBoundMs).catch(() => {});
    }
    this.kill();
  }
}
