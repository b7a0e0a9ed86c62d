// Child process of the outbox relay runs: relays the outbox in OUTBOX_URL to the
// Redis queue in RELIABILITY_URL until SIGTERM (or a SIGKILL from the parent).
// With RELAY_LEDGER (a directory), the relay's sends go through a recording
// target (relay-ledger.ts): it writes when this process starts and ends
// forwarding, so the parent can check that no two relays forward at once.
import { createConsoleLogger, createHopper, OutboxRelay } from "@hopper/core";
import { createPostgresOutbox } from "@hopper/postgres";
import { recordingTarget } from "./relay-ledger.js";

const logger = createConsoleLogger("error");
const hopper = createHopper({ url: process.env.RELIABILITY_URL!, outbox: process.env.OUTBOX_URL!, jobs: [], logger });
const ledger = process.env.RELAY_LEDGER;
let relay: OutboxRelay;
let closeOutbox = async () => {};
if (ledger === undefined) {
  relay = hopper.relay({ batchSize: 100 });
} else {
  const outboxUrl = new URL(process.env.OUTBOX_URL!);
  const schema = outboxUrl.searchParams.get("schema") ?? undefined;
  outboxUrl.searchParams.delete("schema");
  const outbox = await createPostgresOutbox({ connectionString: outboxUrl.toString(), ...(schema !== undefined && { schema }) });
  const target = recordingTarget(await hopper.backend, ledger, Number(process.env.RELAY_CHUNK_DELAY_MS ?? 0));
  closeOutbox = () => outbox.close();
  relay = new OutboxRelay({ outbox, backend: async () => target, logger }, { batchSize: 100 });
}
process.stdout.write("ready\n");
await relay.run();
await closeOutbox();
await hopper.close();
