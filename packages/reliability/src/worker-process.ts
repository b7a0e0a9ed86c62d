import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

const fixture = fileURLToPath(new URL("./test-reliability-worker.ts", import.meta.url));
const packageDirectory = fileURLToPath(new URL("..", import.meta.url));

/** A worker child process (test-reliability-worker.ts) and what it said. */
export class WorkerProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
  /** Every line the child wrote to stderr: its logger writes errors only, and Node's warnings are off. */
  readonly errorLines: string[] = [];
  /** When each of `errorLines` arrived (ms since the epoch; one clock for every process of this machine), to set them beside a ledger's times. */
  readonly errorLineTimes: number[] = [];
  /** `memory` samples: heapUsed and rss in bytes. */
  readonly memory: { heapUsed: number; rss: number; at: number }[] = [];
  readonly ready: Promise<void>;
  /** Set when the suite stopped or killed it; an exit without it is a crash of the worker itself. */
  private stoppedByUs = false;

  /** `entry`: another child script in this directory (it must print "ready" too). */
  constructor(env: Record<string, string>, options: { exposeGc?: boolean; entry?: string } = {}) {
    const flags = ["--conditions=@hopper/source", ...(options.exposeGc ? ["--expose-gc"] : []), "--import", "tsx"];
    const script = options.entry ? fileURLToPath(new URL(`./${options.entry}`, import.meta.url)) : fixture;
    this.child = spawn(process.execPath, [...flags, script], { cwd: packageDirectory, env: { ...process.env, NODE_NO_WARNINGS: "1", ...env }, stdio: ["ignore", "pipe", "pipe"] });
    this.exited = new Promise((resolve) => this.child.once("exit", () => resolve()));
    let markReady: () => void = () => {};
    this.ready = new Promise((resolve) => (markReady = resolve));
    let stdout = "";
    this.child.stdout!.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      const lines = stdout.split("\n");
      stdout = lines.pop()!;
      for (const line of lines) {
        if (line === "ready") markReady();
        const memory = /^memory (\d+) (\d+)$/.exec(line);
        if (memory) this.memory.push({ heapUsed: Number(memory[1]), rss: Number(memory[2]), at: Date.now() });
      }
    });
    let stderr = "";
    this.child.stderr!.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      const lines = stderr.split("\n");
      stderr = lines.pop()!;
      const arrived = lines.filter((line) => line.trim() !== "");
      this.errorLines.push(...arrived);
      this.errorLineTimes.push(...arrived.map(() => Date.now()));
    });
    void this.exited.then(() => markReady());
  }

  /** Exited without being told to: the worker crashed on its own. */
  get crashedOnItsOwn(): boolean {
    return !this.alive && !this.stoppedByUs;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async kill(signal: NodeJS.Signals, graceMs = 10_000): Promise<void> {
    if (!this.alive) return;
    this.stoppedByUs = true;
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill("SIGKILL"), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}
