// Register, log in, refresh, log out, and "who am I".
import type { FastifyInstance } from 'fastify';
import { authenticate } from '../auth/guard';
import { burnPasswordCheck, hashPassword, verifyPassword } from '../auth/passwords';
import { SessionStore } from '../auth/sessions';
import type { AppContext } from '../context';
import { unauthorized } from '../errors';
import { USERNAME_SCHEMA, type User } from '../users';

const PASSWORD = { type: 'string', minLength: 8, maxLength: 128 } as const;
const REFRESH = { type: 'string', minLength: 1, maxLength: 200 } as const;

export function authRoutes(app: FastifyInstance, ctx: AppContext): void {
  const issue = async (user: User) => {
    const session = await ctx.sessions.create(user.id);
    const accessToken = ctx.tokens.sign({ userId: user.id, sessionId: session.sessionId, role: user.role, username: user.username });
    return { accessToken, refreshToken: session.refreshToken };
  };

  app.post<{ Body: { username: string; password: string; displayName?: string } }>(
    '/api/auth/register',
    {
      schema: {
        body: {
          type: 'object',
          required: ['username', 'password'],
          additionalProperties: false,
          properties: { username: USERNAME_SCHEMA, password: PASSWORD, displayName: { type: 'string', minLength: 1, maxLength: 64 } },
        },
      },
    },
    async (req, reply) => {
      const { username, password } = req.body;
      const displayName = req.body.displayName?.trim() || username;
      // Never admin: that role comes only from an operator (`imctl admin grant`, src/admin-cli.ts).
      const user = await ctx.users.create({ username, displayName, passwordHash: await hashPassword(password), role: 'user' });
      req.log.info({ userId: user.id }, 'user registered');
      return reply.code(201).send({ user, ...(await issue(user)) });
    },
  );

  app.post<{ Body: { username: string; password: string } }>(
    '/api/auth/login',
    {
      schema: {
        body: {
          type: 'object',
          required: ['username', 'password'],
          additionalProperties: false,
          properties: { username: { type: 'string', minLength: 1, maxLength: 64 }, password: { type: 'string', minLength: 1, maxLength: 128 } },
        },
      },
    },
    async (req) => {
      const found = await ctx.users.findWithPassword(req.body.username);
      if (!found) {
        await burnPasswordCheck(req.body.password);
        throw unauthorized('invalid username or password');
      }
      if (!(await verifyPassword(req.body.password, found.passwordHash))) throw unauthorized('invalid username or password');
      return { user: found.user, ...(await issue(found.user)) };
    },
  );

  app.post<{ Body: { refreshToken: string } }>(
    '/api/auth/refresh',
    { schema: { body: { type: 'object', required: ['refreshToken'], additionalProperties: false, properties: { refreshToken: REFRESH } } } },
    async (req) => {
      const rotated = await ctx.sessions.rotate(req.body.refreshToken);
      if (rotated.kind === 'reused') {
        // The store already dropped the session; its open sockets go too.
        await ctx.hub.closeSessions([rotated.sessionId]);
        req.log.warn({ sessionId: rotated.sessionId }, 'refresh token reused: session revoked');
      }
      if (rotated.kind !== 'rotated') throw unauthorized('refresh token is invalid, expired or revoked');
      const user = await ctx.users.findById(rotated.userId);
      if (!user) {
        await ctx.sessions.revoke(rotated.session.sessionId);
        await ctx.hub.closeSessions([rotated.session.sessionId]);
        throw unauthorized('account no longer exists');
      }
      const accessToken = ctx.tokens.sign({ userId: user.id, sessionId: rotated.session.sessionId, role: user.role, username: user.username });
      return { accessToken, refreshToken: rotated.session.refreshToken };
    },
  );

  app.post<{ Body: { refreshToken?: string } | undefined }>(
    '/api/auth/logout',
    { schema: { body: { type: ['object', 'null'], additionalProperties: false, properties: { refreshToken: REFRESH } } } },
    async (req, reply) => {
      const claims = await authenticate(ctx, req);
      await ctx.sessions.revoke(claims.sessionId);
      const revoked = [claims.sessionId];
      const other = req.body?.refreshToken ? SessionStore.sessionOf(req.body.refreshToken) : null;
      if (other && other !== claims.sessionId) {
        // Only revoke a second session when it belongs to the same user.
        const rotatedOwner = await ctx.sessions.ownerOf(other);
        if (rotatedOwner === claims.userId) {
          await ctx.sessions.revoke(other);
          revoked.push(other);
        }
      }
      await ctx.hub.closeSessions(revoked);
      return reply.code(204).send();
    },
  );

  app.get('/api/me', async (req) => {
    const claims = await authenticate(ctx, req);
    const user = await ctx.users.findById(claims.userId);
    if (!user) throw unauthorized('account no longer exists');
    return user;
  });
}
