import cliProgress from "cli-progress";

export interface Progress {
  subjectStarted(id: string, index: number, count: number): void;
  update(id: string, label: string, done: number, total: number): void;
  subjectFinished(id: string, summary: string): void;
  log(line: string): void;
  stop(): void;
}

/** A live bar on a terminal; plain lines (one per scenario step) otherwise, so CI logs stay readable. */
export function createProgress(mode: "auto" | "bar" | "plain", stream: NodeJS.WriteStream = process.stderr): Progress {
  return mode === "bar" || (mode === "auto" && stream.isTTY) ? barProgress(stream) : plainProgress(stream);
}

function plainProgress(stream: NodeJS.WriteStream): Progress {
  let lastLabel = "";
  return {
    subjectStarted: (id, index, count) => stream.write(`[${index + 1}/${count}] ${id}\n`),
    update(id, label) {
      if (label === lastLabel) return;
      lastLabel = label;
      stream.write(`  ${id}: ${label}\n`);
    },
    subjectFinished: (id, summary) => stream.write(`  ${id}: ${summary}\n`),
    log: (line) => stream.write(`${line}\n`),
    stop() {},
  };
}

function barProgress(stream: NodeJS.WriteStream): Progress {
  const bars = new cliProgress.MultiBar(
    { stream, format: " {subject} |{bar}| {percentage}% {label}", hideCursor: true, clearOnComplete: false, stopOnComplete: false },
    cliProgress.Presets.shades_classic,
  );
  const overall = bars.create(1, 0, { subject: "all subjects".padEnd(26), label: "" });
  let current: cliProgress.SingleBar | undefined;
  return {
    subjectStarted(id, index, count) {
      overall.setTotal(count);
      overall.update(index);
      current = bars.create(1, 0, { subject: id.padEnd(26), label: "starting" });
    },
    update(id, label, done, total) {
      current?.setTotal(Math.max(1, total));
      current?.update(Math.min(done, total), { subject: id.padEnd(26), label });
    },
    subjectFinished(id, summary) {
      current?.update(current.getTotal(), { subject: id.padEnd(26), label: summary });
      current?.stop();
      overall.increment();
    },
    log: (line) => bars.log(`${line}\n`),
    stop: () => bars.stop(),
  };
}
