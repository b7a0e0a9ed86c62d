import { appendFileSync } from "node:fs";
import type { Backend, ReceivedMessage } from "@hopper/core/backend";

/**
 * Makes every message `backend` hands out write `a <jobId> <ms>` to the ledger once its
 * ack resolved (the backend stored it) and `af <jobId> <ms>` once it rejected. The crash
 * run then knows which completions were acked: a job run again after an ack that resolved
 * is a defect; one whose ack never went through before a server crash is the crash's doing.
 * `hold`: the job ids whose ack is held for good instead (written `h <jobId> <ms>`).
 */
export function recordAcks(backend: Backend, ledgerFile: string, hold?: (jobId: string) => boolean): void {
  const receive = backend.receive.bind(backend);
  const write = (event: "a" | "af", id: string) => appendFileSync(ledgerFile, `${event} ${id} ${Date.now()}\n`);
  const withAckRecorded = (message: ReceivedMessage): ReceivedMessage =>
    new Proxy(message, {
      get(target, property) {
        if (property === "ack") {
          // A held ack writes `h` and never goes out: the run SIGKILLs the process there (batch.reliability.ts).
          if (hold?.(target.id)) {
            return () => {
              appendFileSync(ledgerFile, `h ${target.id} ${Date.now()}\n`);
              return new Promise<void>(() => {});
            };
          }
          return () =>
            target.ack().then(
              () => write("a", target.id),
              (error: unknown) => {
                write("af", target.id);
                throw error;
              },
            );
        }
        const value = Reflect.get(target, property, target) as unknown;
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  (backend as { receive: Backend["receive"] }).receive = async (options) => (await receive(options)).map(withAckRecorded);
}
