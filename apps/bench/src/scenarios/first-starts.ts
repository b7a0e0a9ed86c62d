/**
 * Which of a step's jobs have started, by the number the step gave each (`BenchJob.seq`): at-least-once delivery
 * may start a job twice, and a step that counted starts would report a job it never ran as started (a job run
 * twice covers for one left behind). The second and later starts are counted apart, for the report.
 */
export class FirstStarts {
  readonly #started: Uint8Array;
  #repeats = 0;

  constructor(jobs: number) {
    this.#started = new Uint8Array(jobs);
  }

  /** True the first time job `seq` starts; false (and counted as a repeat) after. A job without a number counts as new. */
  first(seq: number | undefined): boolean {
    if (seq === undefined || !(seq >= 0 && seq < this.#started.length)) return true;
    if (this.#started[seq] === 1) {
      this.#repeats += 1;
      return false;
    }
    this.#started[seq] = 1;
    return true;
  }

  /** Starts of a job that had started before. */
  get repeats(): number {
    return this.#repeats;
  }
}
