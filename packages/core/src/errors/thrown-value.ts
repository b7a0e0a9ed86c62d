import { types } from "node:util";

/**
 * What a job threw, as the worker can handle it: the value itself when its text can be read, else an Error saying
 * what was thrown. A Proxy (its traps may throw on any look), an object with no `toString` or one that throws, an
 * Error whose `name` or `message` throws: each made the retry decision, the log line or the dead letter throw in
 * turn, the message was never settled, and the job ran again at every lease, for ever.
 */
export function tameThrown(value: unknown): unknown {
  if (typeof value !== "object" && typeof value !== "function") return value;
  if (value === null) return value;
  if (types.isProxy(value)) return new Error("a Proxy was thrown (its traps are not called to describe it)");
  try {
    if (value instanceof Error) {
      if (typeof value.name === "string" && typeof value.message === "string") return value;
      return new Error(`an Error whose name or message is not text was thrown (${typeof value.name}, ${typeof value.message})`);
    }
    String(value);
    return value;
  } catch (error) {
    return new Error(`a value that cannot be turned into text was thrown (${error instanceof Error ? error.message : "reading it threw"})`);
  }
}
