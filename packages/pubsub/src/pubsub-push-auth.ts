import { ConfigurationError } from "@hopper/core";
import { OAuth2Client } from "google-auth-library";

export interface PushVerification {
  /** The audience configured on the push subscription (by default its push endpoint URL). Required. */
  readonly audience: string;
  /** The service account the push subscription signs tokens as. Required: any Google account can mint a token for any audience. */
  readonly serviceAccountEmail: string;
  /** A client to verify with (proxy, custom cert endpoints); default a new OAuth2Client. */
  readonly client?: OAuth2Client;
}

/**
 * A refusal: `reason` is the answer's text (told to whoever sent the request); `detail`, when given, is why,
 * for the application's log only (the library's message: an audience typo, an expired token).
 */
export type PushAuthResult = { readonly ok: true } | { readonly ok: false; readonly status: 401 | 403 | 503; readonly reason: string; readonly detail?: string };

/**
 * Checks the OIDC token Pub/Sub attaches to authenticated push requests:
 * Google's signature, expiry, issuer and audience (google-auth-library),
 * then that it was issued to the expected, verified service account.
 * Both `audience` and `serviceAccountEmail` are required: google-auth-library
 * skips the audience check when it is undefined, and without the email any
 * Google-signed token for the audience would pass.
 */
export function createPushVerifier(verification: PushVerification): (authorization: string | null) => Promise<PushAuthResult> {
  const audience = requiredText("verify.audience", verification.audience, "the audience set on the push subscription (by default its push endpoint URL)");
  const email = requiredText("verify.serviceAccountEmail", verification.serviceAccountEmail, "the service account the push subscription authenticates as, e.g. push@my-project.iam.gserviceaccount.com");
  const client = verification.client ?? new OAuth2Client();
  return async (authorization) => {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? "");
    if (!match) return { ok: false, status: 401, reason: "missing bearer token" };
    // Fetched (or taken from the library's cache) apart from the check, so an outage of Google's endpoint is not
    // read as a bad token: Pub/Sub delivers a 503 again, where a 403 would count against the message for nothing.
    try {
      await client.getFederatedSignonCertsAsync();
    } catch (error) {
      return { ok: false, status: 503, reason: "the token cannot be checked now (Google's signing certificates are out of reach); deliver again", detail: messageOf(error) };
    }
    let payload;
    try {
      const ticket = await client.verifyIdToken({ idToken: match[1]!, audience });
      payload = ticket.getPayload();
    } catch (error) {
      return { ok: false, status: 403, reason: "invalid token", detail: messageOf(error) };
    }
    // Checked again here so a change in the library's defaults cannot open the door.
    if (payload?.aud !== audience) return { ok: false, status: 403, reason: "token for another audience" };
    if (payload.email_verified !== true) return { ok: false, status: 403, reason: "token has no verified email" };
    if (payload.email !== email) return { ok: false, status: 403, reason: "token issued to another service account" };
    return { ok: true };
  };
}

function requiredText(field: string, value: unknown, what: string): string {
  if (typeof value !== "string" || value.trim() === "") throw new ConfigurationError({ field, message: `give ${what}; got ${JSON.stringify(value)}` });
  return value;
}

/** The library's message, cut short: it may quote the sender's token or parts of it (logged as an excerpt only). */
function messageOf(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, 300);
}
