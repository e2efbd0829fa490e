// Where the tokens live between page loads. sessionStorage keeps a login to one tab and
// drops it when the tab closes, which limits how long a stolen refresh token is useful.

export interface Tokens {
  readonly accessToken: string;
  readonly refreshToken: string;
}

export interface TokenStore {
  get(): Tokens | null;
  set(tokens: Tokens | null): void;
}

export type KeyValueStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

export function storageTokenStore(storage: KeyValueStorage, key = 'imstack.tokens'): TokenStore {
  return {
    get() {
      const raw = storage.getItem(key);
      if (!raw) return null;
      try {
        const parsed: unknown = JSON.parse(raw);
        if (isTokens(parsed)) return parsed;
      } catch {
        // Corrupt entry: treat as logged out below.
      }
      storage.removeItem(key);
      return null;
    },
    set(tokens) {
      if (tokens) storage.setItem(key, JSON.stringify({ accessToken: tokens.accessToken, refreshToken: tokens.refreshToken }));
      else storage.removeItem(key);
    },
  };
}

function isTokens(v: unknown): v is Tokens {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return typeof o.accessToken === 'string' && typeof o.refreshToken === 'string';
}

/** Seconds-since-epoch expiry of a JWT, or null when it has none or is not a JWT. */
export function jwtExpiry(token: string): number | null {
  const part = token.split('.')[1];
  if (!part) return null;
  try {
    const json = atob(part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '='));
    const payload: unknown = JSON.parse(json);
    const exp = (payload as { exp?: unknown }).exp;
    return typeof exp === 'number' ? exp : null;
  } catch {
    return null;
  }
}

/** True when the token expires within `skewSeconds` (or cannot be read). */
export function expiresSoon(token: string, nowMs: number, skewSeconds = 30): boolean {
  const exp = jwtExpiry(token);
  return exp === null || exp * 1000 - nowMs < skewSeconds * 1000;
}
