/**
 * The worker error lines the fault injection explains. Any other line fails
 * the run: a worker that logs an error nobody caused is a bug or a gap in this list.
 */
const expectedAlways: readonly { readonly pattern: RegExp; readonly why: string }[] = [
  { pattern: /job dead-lettered .*doomed: this job's share goes to the dead letters/, why: "the doomed share throws UnrecoverableError on purpose" },
  {
    pattern: /lease ran out while this process stalled/,
    why: "a worker descheduled longer than its lease on the loaded machine gives its runs up on waking (core lease-heartbeat.ts); the ledger records each as `o` and the run analysis counts it, failing only on a run that went on beside another",
  },
  {
    pattern: /the job did not stop within its abort at shutdown/,
    why: "a SIGTERMed worker past its shutdownTimeout aborts its runs; on the loaded machine one may take over a second to write its ledger line and throw. It keeps its lease meanwhile (core worker.ts handBackOnceStopped), and the run analysis still fails a run that went on beside another",
  },
];

/** While the server is down and just after: every call to it fails, and leases run out meanwhile. */
const expectedWhenServerCrashed: readonly { readonly pattern: RegExp; readonly why: string }[] = [
  { pattern: /receive failed; retrying/, why: "a receive while the server is down" },
  { pattern: /cannot reach the backend; retrying/, why: "a worker started while the server is down" },
  { pattern: /cannot reach the coordination store; retrying/, why: "a worker started while the server holding its coordination store is down" },
  { pattern: /could not settle a message; it will be redelivered when its lease ends/, why: "an ack, nack or retry while the server is down" },
  { pattern: /hand-back failed; the lease will redeliver the job/, why: "a hand-back while the server is down" },
  { pattern: /lease lost while the job ran/, why: "a lease that ran out while the server was down" },
  { pattern: /lease (is )?running out while every renewal failed/, why: "a running job whose renewals failed for most of a lease while the server was down" },
  { pattern: /lease is running out and no renewal has answered/, why: "a running job whose renewals waited for the server to come back for most of a lease" },
];

/** While a cluster slot moves, calls on its keys wait the move out (whileSlotMoves): a renewal may not answer in time. */
const expectedWhenSlotMoved: readonly { readonly pattern: RegExp; readonly why: string }[] = [
  { pattern: /lease is running out and no renewal has answered/, why: "a running job whose renewals waited out a slot move for most of a lease" },
];

export function unexpectedErrorLines(lines: readonly string[], faults: { readonly serverCrashed: boolean; readonly slotMoved: boolean }): string[] {
  const expected = [...expectedAlways, ...(faults.serverCrashed ? expectedWhenServerCrashed : []), ...(faults.slotMoved ? expectedWhenSlotMoved : [])];
  return lines.filter((line) => !expected.some((entry) => entry.pattern.test(line)));
}
