// Child process of the outbox relay run: relays the outbox in OUTBOX_URL to the
// Redis queue in RELIABILITY_URL until SIGTERM (or a SIGKILL from the parent).
import { createConsoleLogger, createHopper } from "@hopper/core";

const hopper = createHopper({ url: process.env.RELIABILITY_URL!, outbox: process.env.OUTBOX_URL!, jobs: [], logger: createConsoleLogger("error") });
process.stdout.write("ready\n");
await hopper.relay({ batchSize: 100 }).run();
await hopper.close();
