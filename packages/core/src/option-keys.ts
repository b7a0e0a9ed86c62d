import { ConfigurationError } from "./errors/configuration-error.js";

/**
 * Refuses keys an options object cannot have: a misspelt option (`queue` for
 * `queues`, `cordination`) would otherwise be ignored and its default used in silence.
 */
export function rejectUnknownOptions(options: object, known: readonly string[], call: string, fieldPrefix = ""): void {
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new ConfigurationError({ field: `${fieldPrefix}${key}`, message: `${JSON.stringify(key)} is not an option of ${call}: use one of ${known.join(", ")}` });
    }
  }
}
