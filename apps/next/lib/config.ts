// Server-side settings, read from the environment at request time (not baked in at build).

const DEFAULT_BACKEND_URL = 'http://backend:4000';

/** The backend's base URL without a trailing slash; a malformed value is a deployment error. */
export function backendUrl(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const raw = (env.BACKEND_URL ?? '').trim() || DEFAULT_BACKEND_URL;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`BACKEND_URL is not a valid URL: ${JSON.stringify(raw)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`BACKEND_URL must be http(s), got ${url.protocol}`);
  return url.toString().replace(/\/+$/, '');
}

/** How long a backend call may take before the page gives up. */
export const BACKEND_TIMEOUT_MS = 5000;
