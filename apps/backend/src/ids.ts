// Identifier formats: users, conversations and files are UUIDs; messages are bigint ids
// (sent as strings), and history cursors are opaque base64url wrappers around a message id.
import { badRequest } from './errors';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID_RE.test(value);
}

/** Returns the lower-cased id, or throws a 400 naming the parameter. */
export function requireUuid(value: string, what: string): string {
  if (!isUuid(value)) throw badRequest(`${what} must be a UUID (got "${value.slice(0, 64)}")`, 'bad_id');
  return value.toLowerCase();
}

const MAX_BIGINT = 9223372036854775807n;

export function encodeCursor(messageId: string): string {
  return Buffer.from(`m:${messageId}`, 'utf8').toString('base64url');
}

/** Decodes a cursor produced by encodeCursor; anything else is a 400. */
export function decodeCursor(cursor: string): bigint {
  const bad = () => badRequest('before is not a valid cursor (use the nextCursor value from a previous page)', 'bad_cursor');
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(cursor)) throw bad();
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const m = /^m:(\d{1,19})$/.exec(text);
  if (!m) throw bad();
  const id = BigInt(m[1]);
  if (id < 1n || id > MAX_BIGINT) throw bad();
  return id;
}
