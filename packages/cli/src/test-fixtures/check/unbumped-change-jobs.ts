// Fault: a new required field, still version 2.
import { z } from "zod";
import { Welcome as Current } from "./welcome-job.js";

export class Welcome extends Current {
  static override schema = z.object({ userId: z.string(), locale: z.string().length(2), signedUpAt: z.date(), channel: z.enum(["email", "sms"]) });
  static override exampleArgs = { userId: "42", locale: "fr", signedUpAt: new Date("2026-01-01T00:00:00Z"), channel: "email" };
}
