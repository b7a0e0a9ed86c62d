import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ServerClock } from "./server-clock.js";

describe("ServerClock: this process's reckoning of a Redis server's clock", () => {
  let monotonic = 0;
  beforeEach(() => {
    monotonic = 1_000;
    vi.spyOn(performance, "now").mockImplementation(() => monotonic);
  });
  afterEach(() => vi.restoreAllMocks());
  const server = 5_000_000;
  /** An answer handled now to a call sent `tripMs` ago, the server having read `serverMs`. */
  const answer = (clock: ServerClock, serverMs: number, leaseMs = 30_000, tripMs = 0) => clock.observe(serverMs, monotonic - tripMs, leaseMs);

  it("vouches for nothing before the server has answered", () => {
    expect(new ServerClock(250).lapseBound()).toBe("");
  });

  it("follows the server's answers, ahead by the tolerance and the monotonic time since", () => {
    const clock = new ServerClock(250);
    answer(clock, server);
    monotonic += 400;
    expect(clock.lapseBound()).toBe(server + 400 + 250);
    // An answer a little ahead (drift) is taken; one a little behind (its trip took longer) too.
    answer(clock, server + 400 + 200);
    expect(clock.lapseBound()).toBe(server + 400 + 200 + 250);
    answer(clock, server + 400 - 100);
    expect(clock.lapseBound()).toBe(server + 300 + 250);
  });

  it("keeps its frame for the hold after a jump forward, then takes the server's word", () => {
    const clock = new ServerClock(250);
    answer(clock, server);
    monotonic += 1_000;
    answer(clock, server + 1_000 + 10_000);
    expect(clock.lapseBound()).toBe(server + 1_000 + 250);
    // Later answers in the new time do not shorten the hold.
    monotonic += 20_000;
    answer(clock, server + 21_000 + 10_000);
    expect(clock.lapseBound()).toBe(server + 21_000 + 250);
    monotonic += 10_000;
    expect(clock.lapseBound()).toBe(server + 31_000 + 10_000 + 250);
  });

  it("holds for the longest lease it was asked for, not the one of the call that saw the jump", () => {
    const clock = new ServerClock(250);
    answer(clock, server, 600_000);
    answer(clock, server + 10_000, 5_000);
    monotonic += 60_000;
    expect(clock.lapseBound()).toBe(server + 60_000 + 250);
    monotonic += 540_000;
    expect(clock.lapseBound()).toBe(server + 600_000 + 10_000 + 250);
  });

  it("holds again from a second jump forward during a hold", () => {
    const clock = new ServerClock(250);
    answer(clock, server);
    answer(clock, server + 10_000);
    monotonic += 25_000;
    answer(clock, server + 25_000 + 10_000 + 60_000);
    monotonic += 10_000;
    // 35 s after the first jump, 10 s after the second: still the frame from before both.
    expect(clock.lapseBound()).toBe(server + 35_000 + 250);
    monotonic += 20_000;
    expect(clock.lapseBound()).toBe(server + 55_000 + 70_000 + 250);
  });

  it("reads an answer its event loop was slow to handle as no step back, and the next prompt one as no jump", () => {
    const clock = new ServerClock(250);
    answer(clock, server);
    // Sent at once, handled 2 s late: the server's time lies anywhere in those 2 s.
    monotonic += 2_000;
    answer(clock, server + 10, 30_000, 2_000);
    expect(clock.lapseBound()).toBe(server + 2_000 + 250);
    monotonic += 100;
    answer(clock, server + 2_100);
    expect(clock.lapseBound()).toBe(server + 2_100 + 250);
  });

  it("believes a step back at once, and a step back during a hold ends it", () => {
    const clock = new ServerClock(250);
    answer(clock, server);
    answer(clock, server - 60_000);
    expect(clock.lapseBound()).toBe(server - 60_000 + 250);
    answer(clock, server + 10_000);
    expect(clock.lapseBound()).toBe(server - 60_000 + 250);
    answer(clock, server - 60_000);
    monotonic += 31_000;
    expect(clock.lapseBound()).toBe(server - 60_000 + 31_000 + 250);
  });
});
