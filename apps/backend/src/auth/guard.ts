// Resolves the caller from a Bearer header (or ?token= where allowed) and checks that the
// session behind the token has not been revoked.
import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../context';
import { forbidden, unauthorized, unavailable } from '../errors';
import type { AccessClaims } from './tokens';

export async function authenticate(ctx: AppContext, req: FastifyRequest, opts: { allowQueryToken?: boolean } = {}): Promise<AccessClaims> {
  const header = req.headers.authorization;
  let token: string | undefined;
  if (header !== undefined) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m) throw unauthorized('Authorization header must be "Bearer <accessToken>"');
    token = m[1];
  } else if (opts.allowQueryToken) {
    const q = (req.query as Record<string, unknown> | undefined)?.token;
    if (typeof q === 'string' && q) token = q;
  }
  if (!token) throw unauthorized(opts.allowQueryToken ? 'missing access token (Authorization header or ?token=)' : 'missing Authorization header');
  const claims = ctx.tokens.verify(token);
  if (!claims) throw unauthorized('access token is invalid or expired');
  let active: boolean;
  try {
    active = await ctx.sessions.isActive(claims.sessionId);
  } catch {
    throw unavailable('session store is unavailable, try again shortly');
  }
  if (!active) throw unauthorized('session has been revoked, sign in again');
  return claims;
}

export function requireAdmin(claims: AccessClaims): void {
  if (claims.role !== 'admin') throw forbidden('admin role required');
}
