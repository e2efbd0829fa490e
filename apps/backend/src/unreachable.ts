// Node's error codes for a peer that cannot be reached or went away mid-request, shared by the
// dependency boundaries that turn them into 503s (db.ts, object-storage.ts).

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);

export function isNetworkError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const { code, errors } = err as { code?: unknown; errors?: unknown };
  // Node raises an AggregateError when every address of a host name refused the connection.
  if (Array.isArray(errors) && errors.some(isNetworkError)) return true;
  return typeof code === 'string' && NETWORK_CODES.has(code);
}
