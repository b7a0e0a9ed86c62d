import { afterEach, describe, expect, it, vi } from "vitest";
import { randomJobId } from "./job-id.js";

const version7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
/** The Unix milliseconds in an id's first 48 bits. */
const msOf = (id: string) => Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
/** Byte order (what an index on the id text sees, in the "C" collation and in any that orders hex digits). */
const inOrder = (ids: readonly string[]) => ids.every((id, index) => index === 0 || ids[index - 1]! < id);

describe("randomJobId", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  // Past several refills of the random bytes: the last ids of one and the first of the next are in it.
  const before = Date.now();
  const ids = Array.from({ length: 2000 }, () => randomJobId());
  const after = Date.now();

  it("gives version 7 UUIDs (RFC 9562) in randomUUID's lowercase form", () => {
    expect(ids.filter((id) => !version7.test(id))).toEqual([]);
  });

  it("starts each id with the time it was made, in Unix milliseconds", () => {
    expect(ids.filter((id) => msOf(id) < before || msOf(id) > after)).toEqual([]);
  });

  it("makes each id greater than the one before it in this process, across milliseconds and refills", () => {
    expect(inOrder(ids)).toBe(true);
  });

  it("never repeats an id, across refills", () => {
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("draws every hex digit in every random position (the bytes are used, not a fixed pattern)", () => {
    for (const position of [19 + 1, 19 + 3, 24, 30, 35]) {
      expect(new Set(ids.map((id) => id[position])).size).toBe(16);
    }
  });

  it("stays in order when more ids than its counter holds are made in one millisecond: the time moves on by one", () => {
    vi.spyOn(Date, "now").mockReturnValue(1_900_000_000_000);
    const burst = Array.from({ length: 10_000 }, () => randomJobId());
    expect(burst.filter((id) => !version7.test(id))).toEqual([]);
    expect(inOrder(burst)).toBe(true);
    expect(new Set(burst.map(msOf)).size).toBeGreaterThan(1);
    expect(burst.filter((id) => msOf(id) < 1_900_000_000_000 || msOf(id) > 1_900_000_000_010)).toEqual([]);
  });

  it("stays in order when the clock steps back a little (an NTP correction): later ids keep the time already given out", () => {
    const now = vi.spyOn(Date, "now").mockReturnValue(1_950_000_000_000);
    const first = randomJobId();
    now.mockReturnValue(1_949_999_995_000);
    const later = Array.from({ length: 100 }, () => randomJobId());
    expect(inOrder([first, ...later])).toBe(true);
    expect(later.filter((id) => msOf(id) < 1_950_000_000_000)).toEqual([]);
    now.mockReturnValue(1_950_000_000_500);
    expect(msOf(randomJobId())).toBe(1_950_000_000_500);
  });

  it("measures a step back from the clock's last reading, not from a time the ids ran ahead to: two small steps stay in order", () => {
    // Two corrections of 6 s: 12 s behind the time in the ids, each step within the bound. Measured from the ids'
    // time, the second looked like one long step and the ids went back; so did ids made faster than 4,096 a
    // millisecond for long enough that their time ran 10 s ahead of the clock.
    const now = vi.spyOn(Date, "now").mockReturnValue(1_970_000_000_000);
    const ids = [randomJobId()];
    now.mockReturnValue(1_970_000_000_000 - 6_000);
    ids.push(randomJobId());
    now.mockReturnValue(1_970_000_000_000 - 12_000);
    ids.push(randomJobId(), randomJobId());
    expect(inOrder(ids)).toBe(true);
  });

  it("follows the clock when it steps back a long way (a clock that was wrong): ids do not carry a wrong time for hours", () => {
    const now = vi.spyOn(Date, "now").mockReturnValue(1_960_000_000_000);
    randomJobId();
    now.mockReturnValue(1_960_000_000_000 - 3_600_000);
    expect(msOf(randomJobId())).toBe(1_960_000_000_000 - 3_600_000);
  });
});
