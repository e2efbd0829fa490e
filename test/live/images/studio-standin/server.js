// STAND-IN for Supabase Studio (see the Dockerfile): the profile endpoint is healthy only while
// postgres-meta answers at STUDIO_PG_META_URL. No UI, no other API.
'use strict';
const http = require('http');

const port = Number(process.env.PORT || 3000);
const host = process.env.HOSTNAME || '0.0.0.0';
const metaUrl = process.env.STUDIO_PG_META_URL;
if (!metaUrl) {
  console.error('studio-standin: STUDIO_PG_META_URL is not set');
  process.exit(1);
}
const PROFILE_PATHS = new Set(['/api/platform/profile', '/api/profile']);

async function metaHealthy() {
  try {
    const res = await fetch(`${metaUrl.replace(/\/+$/, '')}/health`, { signal: AbortSignal.timeout(3000) });
    return res.status === 200;
  } catch {
    return false;
  }
}

function send(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

const server = http.createServer((req, res) => {
  const path = new URL(req.url, 'http://x').pathname;
  if (req.method !== 'GET' || !PROFILE_PATHS.has(path)) return send(res, 404, { message: 'not found (studio stand-in)' });
  metaHealthy().then((ok) => ok
    ? send(res, 200, { id: 1, username: 'standin', primary_email: 'standin@localhost', standin: true })
    : send(res, 503, { message: `postgres-meta at ${metaUrl} does not answer /health` }));
});
server.listen(port, host, () => console.log(`studio-standin listening on ${host}:${port}, pg-meta ${metaUrl}`));
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => server.close(() => process.exit(0)));
