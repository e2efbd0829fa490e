// Closed-loop HTTP load: a fixed number of workers, each sending its next request as soon as the
// previous answer is read, over keep-alive connections (node:http; there is no load library in
// node_modules). Latency is from request start to the last byte of the answer.
import http from 'node:http';
import { performance } from 'node:perf_hooks';

export interface RequestSpec {
  /** What the figures are grouped by: the route pattern, as the metrics label it. */
  readonly route: string;
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly json?: unknown;
  readonly expectStatus: number;
}

/** Yields one worker's requests, in order, for as long as the load runs. */
export type Workload = () => RequestSpec;

export interface Target {
  readonly host: string;
  readonly port: number;
  readonly agent: http.Agent;
  readonly headers: Readonly<Record<string, string>>;
}

export interface LoadResult {
  /** Every latency in ms, in completion order. */
  readonly all: number[];
  readonly byRoute: Map<string, number[]>;
  readonly requests: number;
  readonly errors: number;
  /** The first failure, for the report (never carries the request's headers). */
  readonly firstError: string | null;
  readonly seconds: number;
}

const REQUEST_TIMEOUT_MS = 10_000;

export function keepAliveTarget(base: string, concurrency: number, headers: Record<string, string>): Target {
  const url = new URL(base);
  return { host: url.hostname, port: Number(url.port), agent: new http.Agent({ keepAlive: true, maxSockets: concurrency }), headers };
}

function send(target: Target, spec: RequestSpec): Promise<number> {
  return new Promise((resolve, reject) => {
    const body = spec.json === undefined ? undefined : JSON.stringify(spec.json);
    const headers: Record<string, string> = { ...target.headers };
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(body));
    }
    const req = http.request({ host: target.host, port: target.port, agent: target.agent, method: spec.method, path: spec.path, headers }, (res) => {
      res.on('error', reject);
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.resume();
    });
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** Runs one worker per workload until durationMs has passed (or stop() says so), then reports. */
export async function runLoad(target: Target, workloads: readonly Workload[], durationMs: number, stop: () => boolean = () => false): Promise<LoadResult> {
  const all: number[] = [];
  const byRoute = new Map<string, number[]>();
  let errors = 0;
  let firstError: string | null = null;
  const started = performance.now();
  const until = started + durationMs;
  await Promise.all(
    workloads.map(async (next) => {
      while (performance.now() < until && !stop()) {
        const spec = next();
        const t0 = performance.now();
        try {
          const status = await send(target, spec);
          const ms = performance.now() - t0;
          if (status !== spec.expectStatus) throw new Error(`${spec.method} ${spec.route} answered ${status}, expected ${spec.expectStatus}`);
          all.push(ms);
          let list = byRoute.get(spec.route);
          if (!list) byRoute.set(spec.route, (list = []));
          list.push(ms);
        } catch (err) {
          errors++;
          firstError ??= (err as Error).message;
        }
      }
    }),
  );
  return { all, byRoute, requests: all.length + errors, errors, firstError, seconds: (performance.now() - started) / 1000 };
}

/** One result from several stretches of load on the same target. */
export function mergeLoad(parts: readonly LoadResult[]): LoadResult {
  const byRoute = new Map<string, number[]>();
  for (const p of parts) for (const [route, ms] of p.byRoute) byRoute.set(route, [...(byRoute.get(route) ?? []), ...ms]);
  return {
    all: parts.flatMap((p) => p.all),
    byRoute,
    requests: parts.reduce((n, p) => n + p.requests, 0),
    errors: parts.reduce((n, p) => n + p.errors, 0),
    firstError: parts.map((p) => p.firstError).find((e) => e !== null) ?? null,
    seconds: parts.reduce((n, p) => n + p.seconds, 0),
  };
}
