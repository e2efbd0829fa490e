import { cookies } from 'next/headers';
import { logout } from '../../../lib/backend';
import { BASE_PATH } from '../../../lib/paths';
import { SESSION_COOKIE, clearedSessionCookie, isHttps, isSameOrigin } from '../../../lib/session';

export const dynamic = 'force-dynamic';

export async function POST(req: Request): Promise<Response> {
  const host = req.headers.get('x-forwarded-host') ?? req.headers.get('host');
  if (!isSameOrigin(req.headers.get('origin'), host)) return new Response('cross-site logout refused\n', { status: 403 });
  const token = (await cookies()).get(SESSION_COOKIE)?.value;
  if (token) await logout(token);
  const headers = new Headers({ Location: `${BASE_PATH}/login`, 'Cache-Control': 'no-store' });
  headers.append('Set-Cookie', clearedSessionCookie(isHttps(req.headers.get('x-forwarded-proto'), req.url)));
  return new Response(null, { status: 303, headers });
}
