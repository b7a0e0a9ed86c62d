/**
 * A received message's job id. Writers of this version send it twice: in the envelope (the body) and in the
 * `HopperJobId` message attribute. A message without the attribute (another producer's send of an envelope, or a
 * writer that has stopped sending it, README.md § Upgrade notes) still gets its job's id, from the envelope;
 * SQS's own MessageId stands in only for a body that is not an envelope.
 */
export function jobIdOf(attribute: string | undefined, body: string | undefined, messageId: string): string {
  return attribute ?? (body === undefined ? undefined : envelopeIdOf(body)) ?? messageId;
}

// How encodeEnvelope starts every body it writes (the envelope's fields are set in that order).
const canonicalStart = '{"hopper":1,"id":"';

/**
 * The `id` of a Hopper envelope, without parsing the whole body when it starts as the core writes it: the core
 * parses it once more anyway to run the job. Only the id's string literal is parsed (a fresh string, which does
 * not keep the body alive once it is released). Other envelopes (fields in another order, spaces, an id with
 * escapes) are parsed whole; anything that is not an envelope gives undefined.
 */
export function envelopeIdOf(body: string): string | undefined {
  if (body.startsWith(canonicalStart)) {
    const close = body.indexOf('"', canonicalStart.length);
    const literal = body.slice(canonicalStart.length - 1, close + 1);
    if (close > canonicalStart.length && !literal.includes("\\")) return JSON.parse(literal) as string;
  }
  if (!body.trimStart().startsWith("{")) return undefined;
  try {
    const parsed = JSON.parse(body) as { hopper?: unknown; id?: unknown } | null;
    return parsed?.hopper === 1 && typeof parsed.id === "string" && parsed.id.length > 0 ? parsed.id : undefined;
  } catch {
    return undefined;
  }
}
