/**
 * What a message's `body` gives once `releaseBody()` was called: the core never reads it then, so a read
 * is a bug, said loudly rather than answered with text that would decode as a malformed envelope.
 */
export function bodyReleased(): never {
  throw new Error("ReceivedMessage.body was read after releaseBody(): once a job has started, the core works from its decoded envelope");
}
