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
  /** `PerformMiddlewareContext.logFields`: middleware adds to it; identity fields win over it. */
  readonly middlewareFields: Record<string, unknown> = {};
  private startedAt: number | undefined;
  private durationMs: number | undefined;

  constructor(
    private readonly logger: Logger,
    private readonly identity: RunIdentity,
  ) {}

  /** `perform` is about to run (middleware has run before it, so its fields are in). */
  started(): void {
    this.startedAt = performance.now();
    if (writesAt(this.logger, "debug")) this.logger.debug("job started", this.fields());
  }

  /** `perform` has returned or thrown: later lines carry how long it ran. */
  ended(): void {
    if (this.startedAt !== undefined) this.durationMs = Math.round((performance.now() - this.startedAt) * 1000) / 1000;
  }

  // Properties, not methods: a job may pass `ctx.logger.info` around on its own.
  // A line the logger would drop costs no fields object.
  readonly debug = (message: string, fields?: Record<string, unknown>): void => this.write("debug", message, fields);
  readonly info = (message: string, fields?: Record<string, unknown>): void => this.write("info", message, fields);
  readonly warn = (message: string, fields?: Record<string, unknown>): void => this.write("warn", message, fields);
  readonly error = (message: string, fields?: Record<string, unknown>): void => this.write("error", message, fields);

  isLevelEnabled(level: LineLevel): boolean {
    return writesAt(this.logger, level);
  }

  private write(level: LineLevel, message: string, fields: Record<string, unknown> | undefined): void {
    if (writesAt(this.logger, level)) this.logger[level](message, this.fields(fields));
  }

  private fields(more?: Record<string, unknown>): Record<string, unknown> {
    return { ...more, ...this.middlewareFields, ...this.identity, ...(this.durationMs !== undefined && { durationMs: this.durationMs }) };
  }
}
