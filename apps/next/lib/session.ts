import { BASE_PATH } from './paths';

// The admin session cookie: the backend's access token, httpOnly so page scripts never see
// it, SameSite=Strict so no other site can make a browser send it, and scoped to /next.

export const SESSION_COOKIE = 'imstack_admin';
export const COOKIE_PATH = BASE_PATH;
/** Matches the backend's access token lifetime (docs/api.md): the cookie never outlives it. */
export const DEFAULT_MAX_AGE_SECONDS = 15 * 60;

const TOKEN_RE = /^[A-Za-z0-9._~+/=-]+$/;

export function isPlausibleToken(token: string): boolean {
  return token.length > 0 && token.length <= 4096 && TOKEN_RE.test(token);
}

/** Seconds until the JWT's `exp`, or null when the token carries none. */
export function secondsUntilExpiry(token: string, nowMs: number): number | null {
  const payload = token.split('.')[1];
  if (!payload) return null;
  try {
    const exp = (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown }).exp;
    return typeof exp === 'number' ? Math.floor(exp - nowMs / 1000) : null;
  } catch {
    return null;
  }
}

export interface CookieOptions {
  readonly secure: boolean;
  readonly nowMs: number;
}

/** The Set-Cookie value that stores the token. */
export function sessionCookie(token: string, opts: CookieOptions): string {
  if (!isPlausibleToken(token)) throw new Error('backend returned an access token with unexpected characters');
  const remaining = secondsUntilExpiry(token, opts.nowMs);
  const maxAge = Math.max(0, Math.min(remaining ?? DEFAULT_MAX_AGE_SECONDS, DEFAULT_MAX_AGE_SECONDS));
  return [`${SESSION_COOKIE}=${token}`, `Path=${COOKIE_PATH}`, `Max-Age=${maxAge}`, 'HttpOnly', 'SameSite=Strict', opts.secure ? 'Secure' : null]
    .filter((p): p is string => p !== null)
    .join('; ');
}

/** The Set-Cookie value that removes the session. */
export function clearedSessionCookie(secure: boolean): string {
  return [`${SESSION_COOKIE}=`, `Path=${COOKIE_PATH}`, 'Max-Age=0', 'HttpOnly', 'SameSite=Strict', secure ? 'Secure' : null].filter(Boolean).join('; ');
}

/**
 * True when the browser reached us over https. nginx terminates TLS and says so in
 * X-Forwarded-Proto; without it, trust the scheme of the URL the server saw.
 */
export function isHttps(forwardedProto: string | null, requestUrl: string): boolean {
  const first = forwardedProto?.split(',')[0]?.trim().toLowerCase();
  if (first) return first === 'https';
  return requestUrl.startsWith('https:');
}

/**
 * Refuses cross-site form posts (login CSRF). Browsers send Origin on every POST; a request
 * without one (curl, a test) is not a browser being tricked and is allowed.
 */
export function isSameOrigin(origin: string | null, host: string | null): boolean {
  if (!origin) return true;
  if (!host) return false;
  try {
    return new URL(origin).host.toLowerCase() === host.split(',')[0].trim().toLowerCase();
  } catch {
    return false;
  }
}
