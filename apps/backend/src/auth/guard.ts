// Resolves the caller from a Bearer header (or ?token= where allowed) and checks that the
// session behind the token has not been revoked.
import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../context';
import { forbidden, unauthorized } from '../errors';
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
  if (!(await ctx.sessions.isActive(claims.sessionId))) throw unauthorized('session has been revoked, sign in again');
  return claims;
}

/**
 * The role is read from the database on every admin request, not from the token, so that
 * `imctl admin grant` and `revoke` take effect at once rather than when the token expires.
 */
export async function isAdmin(ctx: AppContext, claims: AccessClaims): Promise<boolean> {
  const user = await ctx.users.findById(claims.userId);
  return user?.role === 'admin';
}

export async function requireAdmin(ctx: AppContext, claims: AccessClaims): Promise<void> {
  if (!(await isAdmin(ctx, claims))) throw forbidden('admin role required');
}
