// The job daemon's /metrics listener (JOB_METRICS_PORT on 0.0.0.0: the container's networks).
// Only GET /metrics is served; the program publishes no port for it, Prometheus reaches it
// on the monitoring network.
import { createServer, Server } from 'http';
import type { AddressInfo } from 'net';
import type { JobMetrics } from './jobMetrics';

export const METRICS_PATH = '/metrics';

export interface MetricsServer {
  /** The port it listens on (the given one, or the one the system chose for 0 in tests). */
  readonly port: number;
  close(): Promise<void>;
}

export interface MetricsServerOptions {
  readonly port: number;
  /** Default 0.0.0.0; tests use 127.0.0.1. */
  readonly host?: string;
  /** Told when a scrape fails (the scraper gets a 500 without the details). */
  readonly onError?: (e: Error) => void;
}

export async function startMetricsServer(metrics: JobMetrics, opts: MetricsServerOptions): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://job').pathname;
    if (path !== METRICS_PATH) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain' }).end('method not allowed\n');
      return;
    }
    metrics.scrape().then(
      (text) => {
        res.writeHead(200, { 'Content-Type': metrics.contentType });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      (e: Error) => {
        opts.onError?.(e);
        res.writeHead(500, { 'Content-Type': 'text/plain' }).end('metrics could not be computed\n');
      },
    );
  });
  // A scraper that opens a connection and sends nothing must not hold the daemon's shutdown.
  server.requestTimeout = 10_000;
  server.headersTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
