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

/**
 * The keys of an options type, for rejectUnknownOptions, written as an object so that the compiler holds the list to
 * the type: a key the type gains and the list lacks (or the other way round) does not compile.
 */
export function optionKeysOf<Options>(keys: { readonly [Key in keyof Required<Options>]: true }): readonly string[] {
  return Object.keys(keys);
}
