// Sessions and rotating refresh tokens, kept in Redis so they can be revoked instantly on any
// replica. A refresh token is "<sessionId>.<secret>"; only a hash of the current secret is
// stored, and presenting an already-rotated secret revokes the whole session (token theft).
// Every failure to reach Redis is a 503: nothing a client sends makes these commands fail.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { unavailable, type HttpError } from '../errors';

export const REFRESH_TOKEN_TTL_SECONDS = 30 * 24 * 3600;
const PREFIX = 'imstack:session:';

// Returns the user id, false for an unknown session, or REUSED when a rotated secret came back.
const REUSED = '!reused';
const ROTATE_SCRIPT = `
local cur = redis.call('HGET', KEYS[1], 'refresh')
if not cur then return false end
if cur ~= ARGV[1] then
  redis.call('DEL', KEYS[1])
  return '${REUSED}'
end
redis.call('HSET', KEYS[1], 'refresh', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return redis.call('HGET', KEYS[1], 'userId')
`;

const hash = (secret: string): string => createHash('sha256').update(secret).digest('base64url');
const newSecret = (): string => randomBytes(32).toString('base64url');

export interface IssuedSession {
  readonly sessionId: string;
  readonly refreshToken: string;
}

export type RotateOutcome =
  | { readonly kind: 'rotated'; readonly userId: string; readonly session: IssuedSession }
  /** Unknown, expired or revoked, or not a refresh token at all. */
  | { readonly kind: 'invalid' }
  /** An already-rotated secret came back: the session named by `sessionId` is now revoked. */
  | { readonly kind: 'reused'; readonly sessionId: string };

const storeDown = (): HttpError => unavailable('session store is unavailable, try again shortly');

async function reach<T>(command: Promise<T>): Promise<T> {
  try {
    return await command;
  } catch {
    throw storeDown();
  }
}

export class SessionStore {
  constructor(private readonly redis: Redis) {}

  async create(userId: string): Promise<IssuedSession> {
    const sessionId = randomUUID();
    const secret = newSecret();
    const key = PREFIX + sessionId;
    const results = await reach(
      this.redis
        .multi()
        .hset(key, { userId, refresh: hash(secret), createdAt: new Date().toISOString() })
        .expire(key, REFRESH_TOKEN_TTL_SECONDS)
        .exec(),
    );
    if (!results || results.some(([err]) => err)) throw storeDown();
    return { sessionId, refreshToken: `${sessionId}.${secret}` };
  }

  async isActive(sessionId: string): Promise<boolean> {
    return (await reach(this.redis.exists(PREFIX + sessionId))) === 1;
  }

  /** Swaps the refresh token for a new one, or says why not. */
  async rotate(refreshToken: string): Promise<RotateOutcome> {
    const parsed = parseRefreshToken(refreshToken);
    if (!parsed) return { kind: 'invalid' };
    const secret = newSecret();
    const answer = (await reach(this.redis.eval(ROTATE_SCRIPT, 1, PREFIX + parsed.sessionId, hash(parsed.secret), hash(secret), REFRESH_TOKEN_TTL_SECONDS))) as string | null;
    if (!answer) return { kind: 'invalid' };
    if (answer === REUSED) return { kind: 'reused', sessionId: parsed.sessionId };
    return { kind: 'rotated', userId: answer, session: { sessionId: parsed.sessionId, refreshToken: `${parsed.sessionId}.${secret}` } };
  }

  async ownerOf(sessionId: string): Promise<string | null> {
    return reach(this.redis.hget(PREFIX + sessionId, 'userId'));
  }

  async revoke(sessionId: string): Promise<void> {
    await reach(this.redis.del(PREFIX + sessionId));
  }

  /** Session id named by a refresh token, if it is well-formed. */
  static sessionOf(refreshToken: string): string | null {
    return parseRefreshToken(refreshToken)?.sessionId ?? null;
  }
}

function parseRefreshToken(token: string): { sessionId: string; secret: string } | null {
  const m = /^([0-9a-f-]{36})\.([A-Za-z0-9_-]{43})$/.exec(token);
  return m ? { sessionId: m[1], secret: m[2] } : null;
}
