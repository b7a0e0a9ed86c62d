/**
 * Which of a run's jobs have started, by the number the run gave each (`BenchJob.seq`): at-least-once delivery
 * may start a job twice, and a run that counted starts would report a job it never ran as started (a job run
 * twice covers for one left behind). The second and later starts are counted apart, for the report, and so are the
 * starts of a job with no number of the run (a subject that did not hand `seq` back), which each count as a first
 * start. Used by the latency steps, the counted drains (`consumeCount`: drain, payload, the single-enqueue clean-up),
 * the delayed jobs and the scale-out workers and their parent (scale-out-starts.ts).
 */
export class FirstStarts {
  readonly #started: Uint8Array;
  #repeats = 0;
  #unnumbered = 0;

  constructor(jobs: number) {
    this.#started = new Uint8Array(jobs);
  }

  /** True the first time job `seq` starts; false (and counted as a repeat) after. A job without a number counts as new. */
  first(seq: number | undefined): boolean {
    return this.start(seq) !== "repeat";
  }

  /** What a start of job `seq` is: its first, a repeat (counted), or a start with no number of this run, which cannot be told apart. */
  start(seq: number | undefined): "first" | "repeat" | "unnumbered" {
    if (seq === undefined || !Number.isInteger(seq) || !(seq >= 0 && seq < this.#started.length)) {
      this.#unnumbered += 1;
      return "unnumbered";
    }
    if (this.#started[seq] === 1) {
      this.#repeats += 1;
      return "repeat";
    }
    this.#started[seq] = 1;
    return "first";
  }

  /** Starts of a job that had started before. */
  get repeats(): number {
    return this.#repeats;
  }

  /** Starts of a job with no number of this run: each counted as a first start, so a repeat among them goes unseen. */
  get unnumbered(): number {
    return this.#unnumbered;
  }
}

/** How a note says that `repeats` starts were redeliveries ("1 start was …", "7 starts were …"). */
export function repeatedStartsPhrase(repeats: number): string {
  return `${repeats} ${repeats === 1 ? "start was" : "starts were"} of a job that had started before (counted once)`;
}

/** How a note says that `unnumbered` starts had no job number ("1 start had …", "7 starts had …"). */
export function unnumberedStartsPhrase(unnumbered: number): string {
  const [starts, each] = unnumbered === 1 ? ["start", "it"] : ["starts", "each"];
  return `${unnumbered} ${starts} had no job number (seq) of the run, so ${each} counted as a first start (a repeat among such starts cannot be told apart)`;
}

/** The note a run with repeated starts leaves in the report, or undefined when every start was a first. */
export function repeatedStartsNote(label: string, repeats: number): string | undefined {
  return repeats > 0 ? `${label}: ${repeatedStartsPhrase(repeats)}` : undefined;
}

/** What a counted run's starts were beside first starts of numbered jobs (the fields of its result). */
export interface StartCounts {
  /** Starts of a job that had started before (redeliveries): in no other figure. */
  readonly repeatedStarts: number;
  /** Starts of a job with no number of the run, each counted as a first start. */
  readonly startsWithoutSeq: number;
}

/** The notes a run leaves for its repeated and unnumbered starts, none when every start was a numbered first. */
export function startCountNotes(label: string, counts: StartCounts): string[] {
  const notes = [repeatedStartsNote(label, counts.repeatedStarts)];
  if (counts.startsWithoutSeq > 0) notes.push(`${label}: ${unnumberedStartsPhrase(counts.startsWithoutSeq)}`);
  return notes.filter((note) => note !== undefined);
}
