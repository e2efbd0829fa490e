import { readCredentials } from '../../../lib/access';
import { login } from '../../../lib/backend';
import { BASE_PATH } from '../../../lib/paths';
import { isHttps, isSameOrigin, sessionCookie } from '../../../lib/session';

export const dynamic = 'force-dynamic';

/** 303 so the browser follows with a GET; a relative Location stays correct behind nginx. */
function seeOther(location: string, setCookie?: string): Response {
  const headers = new Headers({ Location: location, 'Cache-Control': 'no-store' });
  if (setCookie) headers.append('Set-Cookie', setCookie);
  return new Response(null, { status: 303, headers });
}

async function readForm(req: Request): Promise<{ get(name: string): unknown } | null> {
  try {
    if ((req.headers.get('content-type') ?? '').includes('application/json')) {
      const body: unknown = await req.json();
      if (typeof body !== 'object' || body === null) return null;
      return { get: (name) => (body as Record<string, unknown>)[name] };
    }
    return await req.formData();
  } catch {
    return null;
  }
}

export async function POST(req: Request): Promise<Response> {
  const host = req.headers.get('x-forwarded-host') ?? req.headers.get('host');
  if (!isSameOrigin(req.headers.get('origin'), host)) return seeOther(`${BASE_PATH}/login?error=origin`);
  const form = await readForm(req);
  const creds = form ? readCredentials(form) : { error: 'unreadable form' };
  if ('error' in creds) return seeOther(`${BASE_PATH}/login?error=input`);
  const outcome = await login(creds);
  if (outcome.kind === 'invalid') return seeOther(`${BASE_PATH}/login?error=invalid`);
  if (outcome.kind === 'unavailable') {
    console.error(JSON.stringify({ level: 'error', msg: 'admin login failed', reason: outcome.reason }));
    return seeOther(`${BASE_PATH}/login?error=unavailable`);
  }
  const secure = isHttps(req.headers.get('x-forwarded-proto'), req.url);
  return seeOther(BASE_PATH, sessionCookie(outcome.accessToken, { secure, nowMs: Date.now() }));
}
