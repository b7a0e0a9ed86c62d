// `pnpm --filter @hopper/example start`: the web app and a worker in one process.
// HOPPER_URL names the backend (memory://, redis://…, postgres://…, pglite://./data …);
// unset, createHopper refuses to start rather than keep jobs in memory.
import { createHopper } from "@hopper/core";
import { jobs } from "./jobs.js";
import { createAppServer } from "./server.js";

// records: {} keeps each job's record (GET /jobs/{id}) on the backend's own server.
const hopper = createHopper({ jobs, records: {} });
const port = Number(process.env.PORT ?? 3000);
const server = createAppServer(hopper.jobs).listen(port, () => console.log(`POST http://localhost:${port}/signups {"userId":"42"}`));
await hopper.worker({ queues: ["mailers"], concurrency: 5 }).run(); // until SIGTERM / SIGINT
server.close();
await hopper.close();
