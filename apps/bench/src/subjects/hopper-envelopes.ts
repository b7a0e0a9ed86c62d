import { ConfigurationError } from "@hopper/core";

export const benchEnvelopesModes = ["full", "compact"] as const;
export type BenchEnvelopesMode = (typeof benchEnvelopesModes)[number];

/**
 * HOPPER_BENCH_ENVELOPES: "full" (default, as createHopper writes by default) or "compact" (`compactEnvelopes: true`:
 * bodies without the envelope's default fields), to compare the two on any backend.
 */
export function benchEnvelopes(mode: string = "full"): { readonly mode: BenchEnvelopesMode; readonly options: { compactEnvelopes?: boolean } } {
  if (mode === "full") return { mode, options: {} };
  if (mode === "compact") return { mode, options: { compactEnvelopes: true } };
  throw new ConfigurationError({ field: "HOPPER_BENCH_ENVELOPES", message: `must be one of ${benchEnvelopesModes.join(", ")}, got ${JSON.stringify(mode)}` });
}
