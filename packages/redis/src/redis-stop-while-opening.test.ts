// A worker whose backend's open hangs (a server that accepts connections and never answers) must still end its run
// on stop() or SIGTERM: run() waited on the open, which never came, and the process could not stop.
import { createServer, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { createConsoleLogger, createHopper, Job } from "@hopper/core";
import { expect, it } from "vitest";

class Anything extends Job<Record<string, never>> {
  static override queue = "stop-while-opening";
  async perform() {}
}

it("stop() ends a worker's run() while its backend's open has no answer", { timeout: 30_000 }, async () => {
  const sockets: Socket[] = [];
  const silent: Server = createServer((socket) => void sockets.push(socket.on("data", () => {})));
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  const { port } = silent.address() as AddressInfo;
  const hopper = createHopper({ url: `redis://127.0.0.1:${port}`, jobs: [Anything], logger: createConsoleLogger("silent") });
  try {
    const worker = hopper.worker({ handleSignals: false });
    let ended = false;
    const running = worker.run().finally(() => (ended = true));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(ended).toBe(false);
    await worker.stop();
    await Promise.race([running, new Promise((resolve) => setTimeout(resolve, 3000))]);
    expect(ended).toBe(true);
  } finally {
    for (const socket of sockets) socket.destroy();
    silent.close();
    await Promise.race([hopper.close(), new Promise((resolve) => setTimeout(resolve, 3000))]);
  }
});
