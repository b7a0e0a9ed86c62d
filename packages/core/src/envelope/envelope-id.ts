import { ENVELOPE_FORMAT_VERSION } from "./envelope.js";

// How encodeEnvelope starts every body it writes (the Envelope's first two fields, in that order).
const canonicalStart = `{"hopper":${ENVELOPE_FORMAT_VERSION},"id":"`;

/**
 * The job id inside a message body, for a backend that must name a received message before the core decodes it
 * (SQS, when the id is not also in a message attribute). Without parsing the whole body when it starts as
 * encodeEnvelope writes it (the core parses it once more to run the job): only the id's string literal is parsed, a
 * fresh string that does not keep the body alive. Other envelopes (fields in another order, spaces, an id with
 * escapes) are parsed whole; a body that is no envelope of this format gives undefined.
 */
export function envelopeIdOf(body: string): string | undefined {
  if (body.startsWith(canonicalStart)) {
    const close = body.indexOf('"', canonicalStart.length);
    const literal = body.slice(canonicalStart.length - 1, close + 1);
    // A control character in the literal is no JSON: the whole body is parsed below, and refused there.
    if (close > canonicalStart.length && !literal.includes("\\") && !/[\u0000-\u001f]/.test(literal)) return JSON.parse(literal) as string;
  }
  if (!body.trimStart().startsWith("{")) return undefined;
  try {
    const parsed = JSON.parse(body) as { hopper?: unknown; id?: unknown } | null;
    return parsed?.hopper === ENVELOPE_FORMAT_VERSION && typeof parsed.id === "string" && parsed.id.length > 0 ? parsed.id : undefined;
  } catch {
    return undefined;
  }
}
