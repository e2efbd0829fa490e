// The PostgreSQL pool, made to outlive the database: a connection that dies (a crash, a restart,
// a network cut) is logged and dropped, never left to crash the process, and the pool opens new
// connections once the server is back. isDatabaseUnavailable() tells such failures apart from
// real query errors, so the API answers them with 503 instead of 500.
import { Pool } from 'pg';
import { isNetworkError } from './unreachable';

/** Connections per replica. */
export const POOL_MAX = 10;
/**
 * How long a query waits for a pooled connection (or for a new one to open) before it gives
 * up with a 503. Long enough to ride out a burst (150 parallel posts on a loaded host took
 * more than the 3 s this used to be), short enough to answer well before a proxy times out.
 */
export const POOL_ACQUIRE_TIMEOUT_MS = 10_000;

export interface PoolLog {
  warn(obj: object, msg: string): void;
}

export function createPool(connectionString: string, log: PoolLog): Pool {
  const pool = new Pool({ connectionString, max: POOL_MAX, connectionTimeoutMillis: POOL_ACQUIRE_TIMEOUT_MS, idleTimeoutMillis: 30_000 });
  // pg emits 'error' on a client whose connection ends unexpectedly. The pool listens only while
  // the client is idle; a checked-out client (inside a transaction) has no listener of its own,
  // and an unhandled 'error' event kills the process. Every client gets one for its whole life.
  pool.on('connect', (client) => {
    client.on('error', (err) => log.warn({ err: err.message }, 'postgres connection lost'));
  });
  pool.on('error', (err) => log.warn({ err: err.message }, 'idle postgres connection lost'));
  return pool;
}

// SQLSTATEs of a server that is shutting down, starting, recovering or full.
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);
// pg and pg-pool raise these as plain Errors, without a code.
const DRIVER_MESSAGES = [
  /^Connection terminated/,
  /^timeout exceeded when trying to connect$/,
  /is not queryable$/,
];

/**
 * True when `err` means the database could not be reached or went away mid-request. Object
 * storage and redis map their own failures where they are called, so a network error that
 * reaches the error handler comes from postgres.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  if (isNetworkError(err)) return true;
  const { code, message } = err as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (UNAVAILABLE_SQLSTATES.has(code) || /^08/.test(code))) return true;
  return typeof message === 'string' && DRIVER_MESSAGES.some((re) => re.test(message));
}
