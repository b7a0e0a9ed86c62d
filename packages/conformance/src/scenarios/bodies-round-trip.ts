import { expect } from "vitest";
import { defineScenario } from "../scenario.js";
import { receiveMessages } from "../harness.js";

// Everything a JSON envelope can contain: quotes, escapes, newlines, combining and astral characters.
const unicodeBody = `{"text":"h\u00e9llo \u2713 \ud83d\ude80 e\u0301 \\"quoted\\" \\\\ back\\nslash", "tab":"\t", "cjk":"\u6f22\u5b57", "rtl":"\u05e9\u05dc\u05d5\u05dd"}`;

export const bodiesRoundTrip = defineScenario({
  name: "enqueue and receive keep bodies byte for byte (unicode, near the max payload)",
  async run({ backend, queue }) {
    const name = queue("bytes");
    const sizeNearMax = Math.min(backend.capabilities.maxPayloadBytes, 8 * 1024 * 1024) - 64;
    const bigBody = JSON.stringify({ pad: "x".repeat(sizeNearMax - 12) });
    expect(Buffer.byteLength(bigBody)).toBeLessThanOrEqual(backend.capabilities.maxPayloadBytes);
    const results = await backend.enqueue([
      { id: "unicode-1", queue: name, body: unicodeBody },
      { id: "big-1", queue: name, body: bigBody },
    ]);
    expect(results.map((result) => result.status)).toEqual(["enqueued", "enqueued"]);
    const received = await receiveMessages(backend, name, 2);
    const byId = new Map(received.map((message) => [message.id, message.body]));
    expect(byId.get("unicode-1")).toBe(unicodeBody);
    expect(Buffer.from(byId.get("big-1") ?? "").equals(Buffer.from(bigBody))).toBe(true);
    await Promise.all(received.map((message) => message.ack()));
  },
});
