// Request duration by route pattern and status, recorded once per response.
import type { FastifyInstance } from 'fastify';
import { UNMATCHED_ROUTE, type BackendMetrics } from './registry';

export function recordRequestDurations(app: FastifyInstance, metrics: BackendMetrics): void {
  // A callback hook, not an async one: it runs on every response, and adds no promise to it.
  app.addHook('onResponse', (req, reply, done) => {
    metrics.httpRequestDuration.observe(
      { method: req.method, route: req.routeOptions.url ?? UNMATCHED_ROUTE, status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    done();
  });
}
