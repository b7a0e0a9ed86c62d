import { expect, it } from "vitest";
import { QueueReceivers } from "./queue-receivers.js";

it("says a queue has no receiver only once the last of its workers stopped, once per stop", () => {
  const stopped: string[] = [];
  const receivers = new QueueReceivers((queue) => stopped.push(queue));
  const first = receivers.add(["mail", "reports"]);
  const second = receivers.add(["mail"]);
  first();
  first(); // a second call changes nothing
  expect(stopped).toEqual(["reports"]);
  expect(receivers.has("mail")).toBe(true);
  second();
  expect(stopped).toEqual(["reports", "mail"]);
  expect(receivers.has("mail")).toBe(false);
  // A worker started again counts afresh.
  receivers.add(["mail"])();
  expect(stopped).toEqual(["reports", "mail", "mail"]);
});
