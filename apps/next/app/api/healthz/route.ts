// Container healthcheck: answers as soon as the server can render a response. It does not
// call the backend, so a backend outage does not get this container restarted.
export const dynamic = 'force-dynamic';

export function GET(): Response {
  return Response.json({ status: 'ok' }, { headers: { 'Cache-Control': 'no-store' } });
}
