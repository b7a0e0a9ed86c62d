import { randomFillSync } from "node:crypto";

/** Ids drawn per refill of the random bytes (crypto.randomUUID keeps a cache of 128 the same way). */
const IDS_PER_REFILL = 256;
const randomBytes = Buffer.allocUnsafeSlow(16 * IDS_PER_REFILL);
let nextId = IDS_PER_REFILL;
const idText = Buffer.allocUnsafeSlow(36);
/** The two lowercase hex digits of each byte value, as character codes. */
const hexPairs = new Uint8Array(512);
for (let value = 0; value < 256; value++) {
  const pair = value.toString(16).padStart(2, "0");
  hexPairs[value * 2] = pair.charCodeAt(0);
  hexPairs[value * 2 + 1] = pair.charCodeAt(1);
}

/**
 * A random (version 4) UUID in the form `crypto.randomUUID()` gives, from the same source of randomness, written
 * into one reused buffer and read out as one string: `randomUUID` joins 20 pieces, ~600 bytes of garbage per id,
 * and every enqueued job gets one (benchmarks/results/postgres-single-enqueue-2026-12-05.md).
 */
export function randomJobId(): string {
  if (nextId === IDS_PER_REFILL) {
    randomFillSync(randomBytes);
    nextId = 0;
  }
  const first = 16 * nextId++;
  randomBytes[first + 6] = (randomBytes[first + 6]! & 0x0f) | 0x40; // version 4
  randomBytes[first + 8] = (randomBytes[first + 8]! & 0x3f) | 0x80; // RFC 4122 variant
  let at = 0;
  for (let index = 0; index < 16; index++) {
    if (index === 4 || index === 6 || index === 8 || index === 10) idText[at++] = 0x2d; // "-"
    const pair = randomBytes[first + index]! * 2;
    idText[at++] = hexPairs[pair]!;
    idText[at++] = hexPairs[pair + 1]!;
  }
  return idText.toString("latin1", 0, 36);
}
