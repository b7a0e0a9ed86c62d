import { Job, retryOn, type JobContext } from "@hopper/core";
import { z } from "zod";

export class MailServerBusy extends Error {}

export interface WelcomeArgs {
  userId: string;
  locale: string;
  signedUpAt: Date;
}

/** Version 2 added `locale`; v1 payloads still queued from the last deploy keep working. */
export class SendWelcomeEmail extends Job<WelcomeArgs, { userId: string; locale: string }> {
  static override queue = "mailers";
  static override version = 2;
  static override upgrades = {
    1: (old: { user_id: number; signedUpAt: Date }) => ({ userId: String(old.user_id), locale: "en", signedUpAt: old.signedUpAt }),
  };
  static override retry = { attempts: 5, rules: [retryOn(MailServerBusy, { attempts: 10, wait: "30s" })] };
  /** Checked at enqueue and before perform; `hopper check` also runs it on every stored payload sample. */
  static override schema = z.object({ userId: z.string().min(1), locale: z.string().min(2).max(35), signedUpAt: z.date() });
  /** Recorded as payload-samples/SendWelcomeEmail/v2.json by `hopper check --record`. */
  static override exampleArgs = { userId: "42", locale: "fr", signedUpAt: new Date("2026-01-01T00:00:00Z") } satisfies WelcomeArgs;

  static sent: { userId: string; locale: string; attempt: number }[] = [];

  /** The result, kept in the job's record: whom it welcomed, so GET /jobs/{id} can send the client there. */
  async perform({ userId, locale }: WelcomeArgs, context: JobContext): Promise<{ userId: string; locale: string }> {
    SendWelcomeEmail.sent.push({ userId, locale, attempt: context.attempt });
    context.logger.info("welcome email sent", { userId, locale, jobId: context.jobId });
    return { userId, locale };
  }
}

export const jobs = [SendWelcomeEmail];
