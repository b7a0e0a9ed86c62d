import { describe, expect, it } from "vitest";
import { envelopeIdOf } from "./envelope-id.js";
import { encodeEnvelope, type Envelope } from "./envelope.js";

const envelope: Envelope = { hopper: 1, id: "job-1", job: "SendEmail", version: 1, args: { to: "a@example.com" }, queue: "default", priority: 0, enqueuedAt: "2026-12-04T00:00:00.000Z", attempt: 1, meta: {} };

describe("envelopeIdOf", () => {
  it("reads the id of a body as encodeEnvelope writes it, and of one written another way", () => {
    expect(envelopeIdOf(encodeEnvelope(envelope))).toBe("job-1");
    expect(envelopeIdOf(encodeEnvelope({ ...envelope, id: 'quoted "id" \\ é' }))).toBe('quoted "id" \\ é');
    expect(envelopeIdOf(JSON.stringify({ job: "SendEmail", id: "job-2", hopper: 1 }, null, 2))).toBe("job-2");
  });

  it("gives undefined for a body that is no envelope of this format", () => {
    // A raw control character inside the id (a hand-made body): no JSON, so no id, not a throw that fails a whole receive.
    for (const body of ["", "[1]", "not json", '{"hopper":1,"id":"cut', '{"hopper":2,"id":"x"}', '{"hopper":1,"id":""}', '{"hopper":1,"id":7}', '{"hopper":1,"id":"a\nb","job":"X"}', '{"hopper":1,"id":"a\u0000b"}']) {
      expect(envelopeIdOf(body)).toBeUndefined();
    }
  });
});
