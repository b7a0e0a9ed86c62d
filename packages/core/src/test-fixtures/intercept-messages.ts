import type { Backend, ReceivedMessage } from "../backend/backend.js";

/** The same backend with every received message passed through `wrap` (a server that stalls, fails or hangs). For tests. */
export function interceptMessages(backend: Backend, wrap: (message: ReceivedMessage) => ReceivedMessage): Backend {
  return { ...backend, receive: async (options) => (await backend.receive(options)).map(wrap) };
}
