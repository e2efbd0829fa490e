// The live channel: authenticate before the upgrade, then register the socket with the hub.
// A revoked session's sockets are closed by the hub's announcement; each socket also re-checks
// its session on every keep-alive ping, in case an announcement was lost.
import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import { authenticate } from '../auth/guard';
import type { AccessClaims } from '../auth/tokens';
import type { AppContext } from '../context';
import { SESSION_REVOKED } from '../realtime';

// Keeps idle connections alive through proxies (nginx closes idle upstreams after 60 s).
const PING_INTERVAL_MS = 25_000;

/** Closes the socket when its session is gone; a store that cannot answer leaves it open. */
async function closeIfRevoked(ctx: AppContext, socket: WebSocket, sessionId: string): Promise<void> {
  const active = await ctx.sessions.isActive(sessionId).catch(() => true);
  if (!active && socket.readyState === socket.OPEN) socket.close(SESSION_REVOKED.code, SESSION_REVOKED.reason);
}

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
      ctx.hub.add(claims, socket);
      // A logout that ran between the upgrade's check and add() was announced before this
      // socket could hear it.
      void closeIfRevoked(ctx, socket, claims.sessionId);
      const pinger = setInterval(() => {
        socket.ping();
        void closeIfRevoked(ctx, socket, claims.sessionId);
      }, PING_INTERVAL_MS);
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
