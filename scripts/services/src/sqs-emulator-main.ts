// Child-process entry of the SQS emulator: `node --import tsx sqs-emulator-main.ts PORT`.
// fauxqs won the comparison in README.md; it runs here on 127.0.0.1 only.
import { buildApp } from "fauxqs";

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0) {
  console.error("usage: sqs-emulator-main.ts PORT");
  process.exit(2);
}
const app = buildApp({ logger: false });
await app.listen({ port, host: "127.0.0.1" });
console.log(`fauxqs SQS emulator listening on http://127.0.0.1:${port}`);

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    void app.close().finally(() => process.exit(0));
  });
}
