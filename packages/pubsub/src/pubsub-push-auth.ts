import { OAuth2Client } from "google-auth-library";

export interface PushVerification {
  /** The audience configured on the push subscription (by default its push endpoint URL). */
  readonly audience: string;
  /** The service account the push subscription signs tokens as; any verified Google identity when omitted. */
  readonly serviceAccountEmail?: string;
  /** A client to verify with (proxy, custom cert endpoints); default a new OAuth2Client. */
  readonly client?: OAuth2Client;
}

export type PushAuthResult = { readonly ok: true } | { readonly ok: false; readonly status: 401 | 403; readonly reason: string };

/**
 * Checks the OIDC token Pub/Sub attaches to authenticated push requests:
 * Google's signature, expiry, issuer and audience (google-auth-library),
 * then that it was issued to the expected service account.
 */
export function createPushVerifier(verification: PushVerification): (authorization: string | null) => Promise<PushAuthResult> {
  const client = verification.client ?? new OAuth2Client();
  return async (authorization) => {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? "");
    if (!match) return { ok: false, status: 401, reason: "missing bearer token" };
    let payload;
    try {
      const ticket = await client.verifyIdToken({ idToken: match[1]!, audience: verification.audience });
      payload = ticket.getPayload();
    } catch {
      return { ok: false, status: 403, reason: "invalid token" };
    }
    if (!payload?.email_verified) return { ok: false, status: 403, reason: "token has no verified email" };
    if (verification.serviceAccountEmail !== undefined && payload.email !== verification.serviceAccountEmail) {
      return { ok: false, status: 403, reason: "token issued to another service account" };
    }
    return { ok: true };
  };
}
