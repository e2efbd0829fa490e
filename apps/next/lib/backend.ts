// Calls from the Next.js server to the backend API. Never cached: every answer depends on
// the caller's token.
import { decideLogin, decideStats, type Credentials, type LoginOutcome, type StatsOutcome } from './access';
import { BACKEND_TIMEOUT_MS, backendUrl } from './config';

async function call(path: string, init: RequestInit): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${backendUrl()}${path}`, { ...init, cache: 'no-store', signal: AbortSignal.timeout(BACKEND_TIMEOUT_MS) });
  let body: unknown = null;
  try {
    body = await res.json();
  } catch {
    // Error pages from a proxy are not JSON; the status alone decides.
  }
  return { status: res.status, body };
}

export async function fetchStats(token: string): Promise<StatsOutcome> {
  try {
    const r = await call('/api/admin/stats', { headers: { Authorization: `Bearer ${token}` } });
    return decideStats(r.status, r.body);
  } catch (err) {
    return { kind: 'unavailable', reason: (err as Error).message };
  }
}

export async function login(creds: Credentials): Promise<LoginOutcome> {
  try {
    const r = await call('/api/auth/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: creds.username, password: creds.password }),
    });
    return decideLogin(r.status, r.body);
  } catch (err) {
    return { kind: 'unavailable', reason: (err as Error).message };
  }
}

/** Best effort: the cookie is cleared whatever the backend says. */
export async function logout(token: string): Promise<void> {
  try {
    await call('/api/auth/logout', { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: '{}' });
  } catch {
    // The access token expires on its own within 15 minutes.
  }
}
