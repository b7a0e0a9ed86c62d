/**
 * The clock a worker times leases by: monotonic (`performance.now()`), so a step of the wall clock (NTP, a VM
 * restore) neither stops renewals (a step back made every lease look young, and on Redis a second copy started
 * beside the first) nor gives healthy runs up as stalled (a step forward). A backend says when a lease began on the
 * wall clock (`ReceivedMessage.leaseFrom`, `Date.now()` as the receive was sent); `fromWallClock` turns that into this
 * clock as the message arrives, moments later.
 */
export function leaseClock(): number {
  return performance.now();
}

/** A wall-clock instant of a moment ago (`Date.now()` then), on the lease clock. */
export function fromWallClock(wallMs: number): number {
  return performance.now() - (Date.now() - wallMs);
}
