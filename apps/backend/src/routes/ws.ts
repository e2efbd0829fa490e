// The live channel: authenticate before the upgrade, then register the socket with the hub.
import type { FastifyInstance } from 'fastify';
import { authenticate } from '../auth/guard';
import type { AccessClaims } from '../auth/tokens';
import type { AppContext } from '../context';

// Keeps idle connections alive through proxies (nginx closes idle upstreams after 60 s).
const PING_INTERVAL_MS = 25_000;

declare module 'fastify' {
  interface FastifyRequest {
    wsClaims?: AccessClaims;
  }
}

export function wsRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get<{ Querystring: { token?: string } }>(
    '/ws',
    {
      websocket: true,
      preValidation: async (req) => {
        req.wsClaims = await authenticate(ctx, req, { allowQueryToken: true });
      },
    },
    (socket, req) => {
      const claims = req.wsClaims!;
      ctx.hub.add(claims.userId, socket);
      const pinger = setInterval(() => socket.ping(), PING_INTERVAL_MS);
      socket.on('close', () => clearInterval(pinger));
      socket.on('message', (raw) => {
        let msg: unknown;
        try {
          msg = JSON.parse(raw.toString());
        } catch {
          socket.send(JSON.stringify({ type: 'error', message: 'messages must be JSON' }));
          return;
        }
        if (typeof msg === 'object' && msg !== null && (msg as { type?: unknown }).type === 'ping') {
          socket.send(JSON.stringify({ type: 'pong' }));
        } else {
          socket.send(JSON.stringify({ type: 'error', message: 'unknown message type; only {"type":"ping"} is accepted' }));
        }
      });
    },
  );
}
