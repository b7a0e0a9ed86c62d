import { writesAt, type LineLevel, type Logger } from "../logger.js";

/** What every message one handler logs shares: where lines go and the backend's name (one object per handler, not per message). */
export interface RunLogTarget {
  readonly logger: Logger;
  readonly backend: string;
}

/**
 * The logger for one message a worker handles, and the `ctx.logger` of its run: every line carries the
 * job's identity (`jobId`, `job`, `queue`, `attempt`, `backend`; a message not yet decoded has only its
 * message id as `jobId`, and no `job` or `attempt`), the fields perform middleware added (`logFields`: a
 * trace id, so logs join traces, also for lines written after the run's span ended), and, once `perform`
 * has returned or thrown, `durationMs`. The identity is kept in fields of its own rather than an object
 * beside it: a held job's logger is one allocation.
 */
export class RunLog implements Logger {
  readonly #target: RunLogTarget;
  readonly #jobId: string;
  readonly #job: string | undefined;
  readonly #queue: string;
  readonly #attempt: number | undefined;
  #startedAt: number | undefined = undefined;
  #durationMs: number | undefined = undefined;
  /** The middleware's fields and the line functions, each made when first read, in one object made for the first of them. */
  #lazy: { middlewareFields?: Record<string, unknown>; lines?: LineFunctions } | undefined = undefined;

  /** `job` and `attempt` are left out of every line when undefined (a message that did not decode). */
  constructor(target: RunLogTarget, jobId: string, queue: string, job?: string, attempt?: number) {
    this.#target = target;
    this.#jobId = jobId;
    this.#queue = queue;
    this.#job = job;
    this.#attempt = attempt;
  }

  private get logger(): Logger {
    return this.#target.logger;
  }

  /** `PerformMiddlewareContext.logFields`: middleware adds to it; identity fields win over it. Made when first read. */
  get middlewareFields(): Record<string, unknown> {
    this.#lazy ??= {};
    this.#lazy.middlewareFields ??= {};
    return this.#lazy.middlewareFields;
  }

  /** `perform` is about to run (middleware has run before it, so its fields are in). */
  started(): void {
    this.#startedAt = performance.now();
    if (writesAt(this.logger, "debug")) this.logger.debug("job started", this.fields());
  }

  /** `perform` has returned or thrown: later lines carry how long it ran. */
  ended(): void {
    if (this.#startedAt !== undefined) this.#durationMs = Math.round((performance.now() - this.#startedAt) * 1000) / 1000;
  }

  // Functions of their own, not methods: a job may pass `ctx.logger.info` around on its own. Made when first
  // read, the four at once (a held job that logs nothing carries none of them), then the same ones every time.
  get debug(): LineFunction {
    return this.lineFunctions().debug;
  }

  get info(): LineFunction {
    return this.lineFunctions().info;
  }

  get warn(): LineFunction {
    return this.lineFunctions().warn;
  }

  get error(): LineFunction {
    return this.lineFunctions().error;
  }

  isLevelEnabled(level: LineLevel): boolean {
    return writesAt(this.logger, level);
  }

  // Private by TypeScript, not `#`: a `#` method would cost every RunLog a brand slot.
  private lineFunctions(): LineFunctions {
    this.#lazy ??= {};
    this.#lazy.lines ??= {
      debug: (message, fields) => this.write("debug", message, fields),
      info: (message, fields) => this.write("info", message, fields),
      warn: (message, fields) => this.write("warn", message, fields),
      error: (message, fields) => this.write("error", message, fields),
    };
    return this.#lazy.lines;
  }

  // A line the logger would drop costs no fields object.
  private write(level: LineLevel, message: string, fields: Record<string, unknown> | undefined): void {
    if (writesAt(this.logger, level)) this.logger[level](message, this.fields(fields));
  }

  private fields(more?: Record<string, unknown>): Record<string, unknown> {
    const fields: Record<string, unknown> = { ...more, ...this.#lazy?.middlewareFields, jobId: this.#jobId };
    // Identity fields win over the middleware's and the line's, in this order, as they always have.
    if (this.#job !== undefined) fields.job = this.#job;
    fields.queue = this.#queue;
    if (this.#attempt !== undefined) fields.attempt = this.#attempt;
    fields.backend = this.#target.backend;
    if (this.#durationMs !== undefined) fields.durationMs = this.#durationMs;
    return fields;
  }
}

type LineFunction = (message: string, fields?: Record<string, unknown>) => void;
type LineFunctions = Readonly<Record<LineLevel, LineFunction>>;
