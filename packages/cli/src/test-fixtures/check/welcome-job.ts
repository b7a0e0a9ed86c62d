// `hopper check` fixtures: Welcome as it stands (v2, with samples of v1 and v2 in
// payload-samples/), and one module per fault a deploy could bring.
import { Job } from "@hopper/core";
import { z } from "zod";

export interface WelcomeArgs {
  userId: string;
  locale: string;
  signedUpAt: Date;
}

/** Version 1 was { user_id: number, signedUpAt }; version 2 adds locale. */
export class Welcome extends Job<WelcomeArgs> {
  static override jobName = "Welcome";
  static override version = 2;
  static override upgrades: Record<number, (old: any) => unknown> = {
    1: (old: { user_id: number; signedUpAt: Date }) => ({ userId: String(old.user_id), locale: "en", signedUpAt: old.signedUpAt }),
  };
  static override schema: z.ZodType = z.object({ userId: z.string(), locale: z.string().length(2), signedUpAt: z.date() });
  static override exampleArgs: unknown = { userId: "42", locale: "fr", signedUpAt: new Date("2026-01-01T00:00:00Z") };
  async perform() {}
}
