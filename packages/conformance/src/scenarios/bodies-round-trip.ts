import { expect } from "vitest";
import { defineScenario } from "../scenario.js";
import { receiveMessages } from "../harness.js";

// What a JSON envelope can contain: quotes, escapes, newlines, combining marks, CJK, right-to-left text.
const unicodeBody = `{"text":"h\u00e9llo \u2713 e\u0301 \\"quoted\\" \\\\ back\\nslash", "tab":"\t", "cjk":"\u6f22\u5b57", "rtl":"\u05e9\u05dc\u05d5\u05dd"}`;
// Characters beyond U+FFFF (emoji, rare CJK) are surrogate pairs in UTF-16: a classic place to corrupt bytes.
const astralBody = `{"emoji":"\ud83d\ude80\ud83c\udf89","cjk":"\ud840\udc0b","math":"\ud835\udc00"}`;

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

export const astralBodiesRoundTrip = defineScenario({
  name: "bodies keep characters beyond U+FFFF (emoji) byte for byte",
  async run({ backend, queue }) {
    const name = queue("astral");
    await backend.enqueue([{ id: "astral-1", queue: name, body: astralBody }]);
    const [message] = await receiveMessages(backend, name, 1);
    expect(Buffer.from(message?.body ?? "").equals(Buffer.from(astralBody))).toBe(true);
    await message!.ack();
  },
});
