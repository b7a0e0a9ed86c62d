import { randomBytes, timingSafeEqual } from "node:crypto";

/**
 * Double-submit CSRF protection: a random token in a SameSite=Strict,
 * HttpOnly cookie, repeated in every form as a hidden field. A POST is taken
 * only when both are present and equal; another site can make the browser
 * send the cookie (not with SameSite=Strict, and not read it), never the field.
 */
export const CSRF_COOKIE = "hopper_dashboard_csrf";
export const CSRF_FIELD = "csrf";

export function newCsrfToken(): string {
  return randomBytes(24).toString("base64url");
}

export function readCookie(header: string | null, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const index = part.indexOf("=");
    if (index > 0 && part.slice(0, index).trim() === name) return part.slice(index + 1).trim();
  }
  return undefined;
}

/** A usable token (ours are 32 base64url characters); anything else is treated as absent. */
export function validToken(token: string | undefined): token is string {
  return token !== undefined && /^[A-Za-z0-9_-]{32}$/.test(token);
}

export function tokensMatch(cookie: string | undefined, field: string | undefined): boolean {
  if (!validToken(cookie) || !validToken(field)) return false;
  return timingSafeEqual(Buffer.from(cookie), Buffer.from(field));
}

export function csrfCookie(token: string, path: string, secure: boolean): string {
  return `${CSRF_COOKIE}=${token}; Path=${path || "/"}; HttpOnly; SameSite=Strict${secure ? "; Secure" : ""}`;
}
