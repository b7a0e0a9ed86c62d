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

/** Ids a millisecond's counter holds (RFC 9562's 12-bit `rand_a`, used as a counter); past it the time moves on by one. */
const COUNTER_LIMIT = 0x1000;
/** A clock stepping back by more than this is followed (it was wrong); by less, ids keep the time already given out. */
const MAX_HELD_BACK_STEP_MS = 10_000;
/** The time in the last id: ahead of the clock after a step back, or after more ids in a millisecond than its counter holds. */
let lastMs = 0;
/** The clock as the last id read it: a step back is measured against it, never against a time the counter moved on. */
let lastClockMs = 0;
let counter = 0;

/**
 * A version 7 UUID (RFC 9562) in the form `crypto.randomUUID()` gives: the Unix time in milliseconds, a counter
 * within the millisecond (started at a random value below half its range), then 62 random bits. Time first, so
 * each process's ids ascend: a PostgreSQL index on the id (job_records' primary key, messages_record_idx) takes
 * each new id at its right edge, where random (version 4) ids wrote to a random leaf page each, about seven times
 * the WAL per finished record with full-page writes on a table of 2,000,000 records
 * (benchmarks/results/job-ids-v7-2026-12-05.md). The 62 random bits keep ids unguessable; an id shows when its
 * job was enqueued. Written into one reused buffer from pooled random bytes and read out as one string:
 * `randomUUID` joins 20 pieces, ~600 bytes of garbage per id, and every enqueued job gets one
 * (benchmarks/results/postgres-single-enqueue-2026-12-05.md).
 */
export function randomJobId(): string {
  if (nextId === IDS_PER_REFILL) {
    randomFillSync(randomBytes);
    nextId = 0;
  }
  const bytes = 16 * nextId++;
  const now = Date.now();
  if (now > lastMs || now < lastClockMs - MAX_HELD_BACK_STEP_MS) {
    lastMs = now;
    counter = ((randomBytes[bytes + 6]! << 8) | randomBytes[bytes + 7]!) & 0x7ff;
  } else if (++counter === COUNTER_LIMIT) {
    lastMs++;
    counter = 0;
  }
  lastClockMs = now;
  // 48 bits of time, big-endian: the top 16 by division (bit operators stop at 32 bits), the low 32 by shifts.
  const high = Math.floor(lastMs / 0x1_0000_0000);
  const low = lastMs % 0x1_0000_0000;
  randomBytes[bytes] = high >>> 8;
  randomBytes[bytes + 1] = high & 0xff;
  randomBytes[bytes + 2] = low >>> 24;
  randomBytes[bytes + 3] = (low >>> 16) & 0xff;
  randomBytes[bytes + 4] = (low >>> 8) & 0xff;
  randomBytes[bytes + 5] = low & 0xff;
  randomBytes[bytes + 6] = 0x70 | (counter >>> 8); // version 7
  randomBytes[bytes + 7] = counter & 0xff;
  randomBytes[bytes + 8] = (randomBytes[bytes + 8]! & 0x3f) | 0x80; // RFC 9562 variant
  let at = 0;
  for (let index = 0; index < 16; index++) {
    if (index === 4 || index === 6 || index === 8 || index === 10) idText[at++] = 0x2d; // "-"
    const pair = randomBytes[bytes + index]! * 2;
    idText[at++] = hexPairs[pair]!;
    idText[at++] = hexPairs[pair + 1]!;
  }
  return idText.toString("latin1", 0, 36);
}
