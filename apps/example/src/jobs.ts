import { Job, retryOn, type JobContext } from "@hopper/core";

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

  static sent: { userId: string; locale: string; attempt: number }[] = [];

  /** The result, kept in the job's record: whom it welcomed, so GET /jobs/{id} can send the client there. */
  async perform({ userId, locale }: WelcomeArgs, context: JobContext): Promise<{ userId: string; locale: string }> {
    SendWelcomeEmail.sent.push({ userId, locale, attempt: context.attempt });
    context.logger.info("welcome email sent", { userId, locale, jobId: context.jobId });
    return { userId, locale };
  }
}

export const jobs = [SendWelcomeEmail];
