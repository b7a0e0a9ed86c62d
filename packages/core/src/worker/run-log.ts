import { writesAt, type LineLevel, type Logger } from "../logger.js";

/** Who a message is: every line about it says so (a job not yet decoded has only its message id as `jobId`). */
export interface RunIdentity {
  readonly jobId: string;
  readonly job?: string;
  readonly queue: string;
  readonly attempt?: number | null;
  readonly backend: string;
}

/**
 * The logger for one message a worker handles, and the `ctx.logger` of its run: every line carries the
 * job's identity, the fields perform middleware added (`logFields`: a trace id, so logs join traces, also
 * for lines written after the run's span ended), and, once `perform` has returned or thrown, `durationMs`.
 */
export class RunLog implements Logger {
  #middlewareFields: Record<string, unknown> | undefined = undefined;
  #startedAt: number | undefined = undefined;
  #durationMs: number | undefined = undefined;
  #lines: LineFunctions | undefined = undefined;

  constructor(
    private readonly logger: Logger,
    private readonly identity: RunIdentity,
  ) {}

  /** `PerformMiddlewareContext.logFields`: middleware adds to it; identity fields win over it. Made when first read. */
  get middlewareFields(): Record<string, unknown> {
    this.#middlewareFields ??= {};
    return this.#middlewareFields;
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
    return this.#lineFunctions().debug;
  }

  get info(): LineFunction {
    return this.#lineFunctions().info;
  }

  get warn(): LineFunction {
    return this.#lineFunctions().warn;
  }

  get error(): LineFunction {
    return this.#lineFunctions().error;
  }

  isLevelEnabled(level: LineLevel): boolean {
    return writesAt(this.logger, level);
  }

  #lineFunctions(): LineFunctions {
    this.#lines ??= {
      debug: (message, fields) => this.#write("debug", message, fields),
      info: (message, fields) => this.#write("info", message, fields),
      warn: (message, fields) => this.#write("warn", message, fields),
      error: (message, fields) => this.#write("error", message, fields),
    };
    return this.#lines;
  }

  // A line the logger would drop costs no fields object.
  #write(level: LineLevel, message: string, fields: Record<string, unknown> | undefined): void {
    if (writesAt(this.logger, level)) this.logger[level](message, this.fields(fields));
  }

  private fields(more?: Record<string, unknown>): Record<string, unknown> {
    return { ...more, ...this.#middlewareFields, ...this.identity, ...(this.#durationMs !== undefined && { durationMs: this.#durationMs }) };
  }
}

type LineFunction = (message: string, fields?: Record<string, unknown>) => void;
type LineFunctions = Readonly<Record<LineLevel, LineFunction>>;
