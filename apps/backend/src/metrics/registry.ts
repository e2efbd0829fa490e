// The backend's own metrics (names, labels and buckets fixed by issue 14's design; the
// monitoring tier's scrape config, alerts and dashboards query exactly these names). Each server
// instance gets its own registry, so several servers in one process (the tests) never share a
// series; prom-client's default process metrics are one per process and shared by all of them.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export const METRIC_NAMES = {
  httpRequestDuration: 'imstack_http_request_duration_seconds',
  messagesPosted: 'imstack_messages_posted_total',
  websocketConnections: 'imstack_websocket_connections',
  dbPoolConnections: 'imstack_db_pool_connections',
  dbPoolMax: 'imstack_db_pool_max',
  s3OperationDuration: 'imstack_s3_operation_duration_seconds',
} as const;

/** 5 ms to 10 s: from a cached read to the proxy's patience. */
export const DURATION_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The route label of a request no route matched: raw URLs would make the label set unbounded. */
export const UNMATCHED_ROUTE = 'unmatched';

export type S3Operation = 'put' | 'get' | 'stat' | 'remove' | 'bucket_exists';
export type S3Outcome = 'ok' | 'error';

/** What pg's Pool reports about itself, read at scrape time. */
export interface PoolStats {
  readonly totalCount: number;
  readonly idleCount: number;
  readonly waitingCount: number;
}

let processDefaults: Registry | null = null;

function processRegistry(): Registry {
  if (!processDefaults) {
    processDefaults = new Registry();
    collectDefaultMetrics({ register: processDefaults });
  }
  return processDefaults;
}

/** What the gauges read at scrape time, so they can never drift from the truth. */
export interface MetricsSources {
  readonly pool: PoolStats;
  readonly poolMax: number;
  readonly openWebsockets: () => number;
}

export class BackendMetrics {
  /** What the metrics listener serves: this server's series plus the process defaults. */
  readonly registry: Registry;
  readonly httpRequestDuration: Histogram<'method' | 'route' | 'status'>;
  readonly messagesPosted: Counter;
  private readonly s3OperationDuration: Histogram<'operation' | 'outcome'>;

  constructor(sources: MetricsSources) {
    const registers = [new Registry()];
    this.httpRequestDuration = new Histogram({
      name: METRIC_NAMES.httpRequestDuration,
      help: 'HTTP request duration by method, Fastify route pattern and status code',
      labelNames: ['method', 'route', 'status'],
      buckets: [...DURATION_BUCKETS],
      registers,
    });
    this.messagesPosted = new Counter({ name: METRIC_NAMES.messagesPosted, help: 'Messages stored through POST /api/conversations/:id/messages', registers });
    new Gauge({
      name: METRIC_NAMES.websocketConnections,
      help: 'Websocket connections open on this replica',
      registers,
      collect() {
        this.set(sources.openWebsockets());
      },
    });
    new Gauge({
      name: METRIC_NAMES.dbPoolConnections,
      help: 'PostgreSQL pool connections by state: total open, idle, and clients waiting for one',
      labelNames: ['state'],
      registers,
      collect() {
        this.set({ state: 'total' }, sources.pool.totalCount);
        this.set({ state: 'idle' }, sources.pool.idleCount);
        this.set({ state: 'waiting' }, sources.pool.waitingCount);
      },
    });
    new Gauge({ name: METRIC_NAMES.dbPoolMax, help: 'Maximum connections of the PostgreSQL pool', registers }).set(sources.poolMax);
    this.s3OperationDuration = new Histogram({
      name: METRIC_NAMES.s3OperationDuration,
      help: 'Object storage call latency by operation and outcome (get: until the object stream starts)',
      labelNames: ['operation', 'outcome'],
      buckets: [...DURATION_BUCKETS],
      registers,
    });
    this.registry = Registry.merge([registers[0], processRegistry()]);
  }

  observeS3(operation: S3Operation, outcome: S3Outcome, seconds: number): void {
    this.s3OperationDuration.observe({ operation, outcome }, seconds);
  }
}
