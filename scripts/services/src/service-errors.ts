const marker = Symbol.for("hopper.services.ServiceStartError");

/** A service could not start; `message` names the service, what is missing and how to fix it. */
export class ServiceStartError extends Error {
  private readonly [marker] = true;
  readonly service: string;

  constructor(service: string, message: string, options?: { cause?: unknown }) {
    super(`${service}: ${message}`, options);
    this.name = "ServiceStartError";
    this.service = service;
  }

  static isInstance(error: unknown): error is ServiceStartError {
    return typeof error === "object" && error !== null && marker in error;
  }
}
