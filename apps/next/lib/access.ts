// What the overview page does with the backend's answer to GET /api/admin/stats.
import { parseStats, type AdminStats } from './stats';

export type StatsOutcome =
  | { readonly kind: 'ok'; readonly stats: AdminStats }
  /** No token, or the backend no longer accepts it: sign in again. */
  | { readonly kind: 'login' }
  /** Signed in, but not an admin. */
  | { readonly kind: 'forbidden' }
  | { readonly kind: 'unavailable'; readonly reason: string };

export function decideStats(status: number, body: unknown): StatsOutcome {
  if (status === 200) {
    try {
      return { kind: 'ok', stats: parseStats(body) };
    } catch (err) {
      return { kind: 'unavailable', reason: (err as Error).message };
    }
  }
  if (status === 401) return { kind: 'login' };
  if (status === 403) return { kind: 'forbidden' };
  return { kind: 'unavailable', reason: `backend answered HTTP ${status}` };
}

export type LoginOutcome =
  | { readonly kind: 'ok'; readonly accessToken: string }
  | { readonly kind: 'invalid' }
  | { readonly kind: 'unavailable'; readonly reason: string };

export function decideLogin(status: number, body: unknown): LoginOutcome {
  if (status === 200) {
    const token = (body as { accessToken?: unknown } | null)?.accessToken;
    if (typeof token === 'string' && token) return { kind: 'ok', accessToken: token };
    return { kind: 'unavailable', reason: 'login response has no access token' };
  }
  // 400 (malformed input) and 401 (bad credentials) are both the user's to fix.
  if (status === 400 || status === 401) return { kind: 'invalid' };
  return { kind: 'unavailable', reason: `backend answered HTTP ${status}` };
}

export interface Credentials {
  readonly username: string;
  readonly password: string;
}

/** Reads the login form; returns an error message instead of calling the backend with junk. */
export function readCredentials(form: { get(name: string): unknown }): Credentials | { error: string } {
  const username = form.get('username');
  const password = form.get('password');
  if (typeof username !== 'string' || typeof password !== 'string') return { error: 'username and password are required' };
  const u = username.trim().toLowerCase();
  if (u.length < 3 || u.length > 32 || !/^[a-z0-9_.-]+$/.test(u)) return { error: 'username must be 3-32 characters of a-z, 0-9, _ . -' };
  if (password.length < 8 || password.length > 128) return { error: 'password must be 8-128 characters' };
  return { username: u, password };
}

/** Messages for the ?error= codes the login page is redirected with. */
export const LOGIN_MESSAGES: Readonly<Record<string, string>> = {
  invalid: 'Wrong username or password.',
  input: 'Enter a valid username (3-32 characters of a-z, 0-9, _ . -) and a password of 8-128 characters.',
  expired: 'Your session has expired. Please sign in again.',
  unavailable: 'The backend could not be reached. Try again in a moment.',
  origin: 'The form was posted from another site and was refused.',
};
