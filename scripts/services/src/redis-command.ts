import { connect } from "node:net";

/**
 * Sends one command to a Redis server on 127.0.0.1 and resolves with the raw
 * RESP reply (e.g. "+PONG\r\n"). Enough for readiness probes without a client.
 */
export function redisCommand(port: number, args: string[], timeoutMs = 1000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port });
    let reply = "";
    const done = (error?: Error) => {
      socket.destroy();
      if (error) reject(error);
      else resolve(reply);
    };
    socket.setTimeout(timeoutMs, () => done(new Error(`redis on port ${port} did not answer in ${timeoutMs} ms`)));
    socket.on("error", done);
    socket.on("connect", () => {
      socket.write(`*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join("")}`);
    });
    socket.on("data", (chunk) => {
      reply += chunk.toString("utf8");
      if (isCompleteReply(reply)) done(reply.startsWith("-") ? new Error(reply.trim()) : undefined);
    });
  });
}

function isCompleteReply(reply: string): boolean {
  if (!reply.endsWith("\r\n")) return false;
  if (reply.startsWith("$")) {
    const length = Number(reply.slice(1, reply.indexOf("\r\n")));
    return length < 0 || Buffer.byteLength(reply) >= reply.indexOf("\r\n") + 2 + length + 2;
  }
  return true;
}
