// Access tokens: short-lived HS256 JWTs naming the user and the session they belong to.
// Verification accepts the previous secret too, so a JWT_SECRET rotation keeps people signed in.
import jwt from 'jsonwebtoken';

export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;
const ISSUER = 'imstack';

export interface AccessClaims {
  readonly userId: string;
  readonly sessionId: string;
  readonly role: 'user' | 'admin';
  readonly username: string;
}

export class TokenSigner {
  constructor(
    private readonly secret: string,
    private readonly previousSecret: string | null,
  ) {}

  sign(claims: AccessClaims): string {
    return jwt.sign({ sid: claims.sessionId, role: claims.role, username: claims.username }, this.secret, {
      algorithm: 'HS256',
      subject: claims.userId,
      issuer: ISSUER,
      expiresIn: ACCESS_TOKEN_TTL_SECONDS,
    });
  }

  /** Returns the claims, or null when the token is malformed, expired or signed with an unknown key. */
  verify(token: string): AccessClaims | null {
    for (const secret of [this.secret, this.previousSecret]) {
      if (!secret) continue;
      try {
        const p = jwt.verify(token, secret, { algorithms: ['HS256'], issuer: ISSUER });
        if (typeof p !== 'object' || p === null) return null;
        const { sub, sid, role, username } = p as Record<string, unknown>;
        if (typeof sub !== 'string' || typeof sid !== 'string' || typeof username !== 'string') return null;
        if (role !== 'user' && role !== 'admin') return null;
        return { userId: sub, sessionId: sid, role, username };
      } catch (err) {
        // Only a signature mismatch is worth retrying with the previous secret.
        if ((err as Error).name === 'JsonWebTokenError' && (err as Error).message === 'invalid signature') continue;
        return null;
      }
    }
    return null;
  }
}
