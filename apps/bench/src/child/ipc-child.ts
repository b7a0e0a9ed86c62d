import type { ChildProcess } from "node:child_process";
import type { SubjectSpec } from "../report/result-types.js";
import { now } from "../subjects/bench-subject.js";
import { forkBenchChild } from "./fork-child.js";

/**
 * A forked bench child driven by request/reply messages (scale-out, rate-limit). Messages
 * `onStream` accepts (counts sent while working) go to it; the rest wait for `next`.
 */
export class IpcChild<Request, Message extends { readonly type: string }> {
  private readonly messages: Message[] = [];
  private readonly waiters: (() => void)[] = [];
  readonly child: ChildProcess;
  private readonly stderrTail: () => string;
  exited = false;

  constructor(main: string, spec: SubjectSpec, private readonly onStream: (message: Message) => boolean = () => false) {
    const forked = forkBenchChild(main, spec);
    this.child = forked.child;
    this.stderrTail = forked.stderrTail;
    this.child.on("message", (message: Message) => {
      if (!this.onStream(message)) this.messages.push(message);
      this.waiters.splice(0).forEach((wake) => wake());
    });
    this.child.on("exit", () => {
      this.exited = true;
      this.waiters.splice(0).forEach((wake) => wake());
    });
  }

  send(request: Request): void {
    // A child gone by now shows in `next` (its exit); without the callback its closed channel would be an 'error' event that ends the bench.
    this.child.send(request as object, () => {});
  }

  /** The next message of `type`; a "failed" message, an exit or the bound throws. */
  async next<T extends Message["type"]>(type: T, boundMs: number): Promise<Extract<Message, { type: T }>> {
    const deadline = now() + boundMs;
    for (;;) {
      const failed = this.messages.find((message) => message.type === "failed") as { error?: string } | undefined;
      if (failed) throw new Error(failed.error ?? "the child failed");
      const index = this.messages.findIndex((message) => message.type === type);
      if (index >= 0) return this.messages.splice(index, 1)[0] as Extract<Message, { type: T }>;
      if (this.exited) throw new Error(`the child exited before "${type}"${this.stderrTail() ? `: ${this.stderrTail()}` : ""}`);
      const remaining = deadline - now();
      if (remaining <= 0) throw new Error(`no "${type}" from the child within ${boundMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  kill(): void {
    if (!this.exited) this.child.kill("SIGKILL");
  }
}
