// npm run bench:metrics [-- --rounds=6 --seconds=10 --slice-ms=1000 --concurrency=8 --warmup=3 --scrape-ms=1000 --log-level=warn]
//
// Issue 14's "Benchmark": the backend's latency with the metrics middleware against without it.
// Two real backend processes (src/main.ts) over one temporary PostgreSQL, Redis and s3rver: A with
// METRICS_PORT set (every request observed, /metrics scraped while it is loaded), B with
// METRICS_PORT=off (no registry, no hook, no S3 proxy). This VM is shared and its load swings
// within seconds, so A and B are loaded in turns within one run: each round gives each of them
// `seconds` of load in alternating slices (A B A B ..., B A B A ... in the next round), and the
// figures are ratios of each round's pair, never absolute times.
// Not a test: it prints figures, and fails only when the run itself went wrong.
import { Pool } from 'pg';
import { ACCESS_TOKEN_TTL_SECONDS } from '../src/auth/tokens';
import { METRIC_NAMES } from '../src/metrics/registry';
import { api, baseEnv, groupWith, register } from '../test/support/harness';
import { scrape } from '../test/support/metrics';
import { exitOf, startProcess, waitHealthy, type BackendProcess } from '../test/support/process';
import { freePort, missingBinaries, startPostgres, startRedis, startS3 } from '../test/support/services';
import type { SharedServices } from '../test/support/shared';
import { cpuMillis, loadAverage } from './support/host';
import { keepAliveTarget, mergeLoad, runLoad, type LoadResult, type RequestSpec, type Target, type Workload } from './support/load';
import { metricsMicroCost } from './support/microcost';
import { Scraper } from './support/scraper';
import { median, percentile } from './support/stats';

interface Options {
  readonly rounds: number;
  readonly seconds: number;
  readonly concurrency: number;
  readonly warmup: number;
  readonly scrapeMs: number;
  readonly sliceMs: number;
  readonly logLevel: string;
  /** A/A run: A without metrics too, so the ratios show what the bench itself makes of two equal backends. */
  readonly control: boolean;
}

const FLAGS: Record<string, { key: Exclude<keyof Options, 'logLevel' | 'control'>; min: number; max: number; fallback: number; what: string }> = {
  '--rounds': { key: 'rounds', min: 1, max: 50, fallback: 6, what: 'measured rounds (each loads both backends once)' },
  '--seconds': { key: 'seconds', min: 1, max: 60, fallback: 10, what: 'seconds of load per backend per round' },
  '--concurrency': { key: 'concurrency', min: 1, max: 128, fallback: 8, what: 'closed-loop workers (one keep-alive connection each)' },
  '--warmup': { key: 'warmup', min: 0, max: 60, fallback: 3, what: 'unmeasured seconds per backend first (JIT, pools)' },
  '--scrape-ms': { key: 'scrapeMs', min: 100, max: 60_000, fallback: 1000, what: 'interval of GET /metrics, in loaded time of the metrics backend' },
  '--slice-ms': { key: 'sliceMs', min: 200, max: 60_000, fallback: 1000, what: 'within a round the backends take turns in slices this long' },
};

function parseOptions(argv: readonly string[]): Options {
  const out: Record<string, number | string | boolean> = { logLevel: 'warn', control: false };
  for (const f of Object.values(FLAGS)) out[f.key] = f.fallback;
  for (const arg of argv) {
    const [name, value = ''] = arg.split('=', 2);
    if (name === '--help') {
      console.log(['flags:', ...Object.entries(FLAGS).map(([n, f]) => `  ${n}=N  ${f.what} (${f.min}..${f.max}, default ${f.fallback})`), '  --log-level=L  LOG_LEVEL of both backends (default warn)', '  --control  A/A run: both backends without metrics, to see the bench\'s own noise and bias'].join('\n'));
      process.exit(0);
    }
    if (arg === '--control') {
      out.control = true;
      continue;
    }
    if (name === '--log-level') {
      out.logLevel = value;
      continue;
    }
    const flag = FLAGS[name];
    if (!flag) throw new Error(`unknown flag ${arg} (try --help)`);
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < flag.min || n > flag.max) throw new Error(`${name} must be an integer from ${flag.min} to ${flag.max} (got "${value}")`);
    out[flag.key] = n;
  }
  const opts = out as unknown as Options;
  // One sign-in serves the whole run, so the run must end before the access token does.
  const plannedSeconds = 2 * (opts.warmup + opts.rounds * opts.seconds);
  if (plannedSeconds > ACCESS_TOKEN_TTL_SECONDS - 120) {
    throw new Error(`the run would take ${plannedSeconds} s of load, longer than the ${ACCESS_TOKEN_TTL_SECONDS} s access token (less 2 min for start-up); use fewer rounds or seconds`);
  }
  return opts;
}

// One worker's cycle of 20 requests: 8 history pages, 5 posts, 4 conversation lists, 2 single
// conversations, 1 health check, spread out so that no kind comes in a burst.
const CYCLE = 'MPLMCMPMLMPHMLCMPLMP';
const HISTORY_SEED = 200;

function workload(conversationId: string, worker: number): Workload {
  const specs: Record<string, RequestSpec> = {
    M: { route: 'GET /api/conversations/:id/messages', method: 'GET', path: `/api/conversations/${conversationId}/messages?limit=50`, expectStatus: 200 },
    L: { route: 'GET /api/conversations', method: 'GET', path: '/api/conversations', expectStatus: 200 },
    C: { route: 'GET /api/conversations/:id', method: 'GET', path: `/api/conversations/${conversationId}`, expectStatus: 200 },
    H: { route: 'GET /health', method: 'GET', path: '/health', expectStatus: 200 },
  };
  let i = (worker * 7) % CYCLE.length;
  let posted = 0;
  return () => {
    const kind = CYCLE[i];
    i = (i + 1) % CYCLE.length;
    if (kind !== 'P') return specs[kind];
    posted++;
    return { route: 'POST /api/conversations/:id/messages', method: 'POST', path: `/api/conversations/${conversationId}/messages`, json: { body: `bench worker ${worker} message ${posted}` }, expectStatus: 201 };
  };
}

interface Backend {
  readonly label: 'with' | 'without';
  readonly url: string;
  /** Base URL of the /metrics listener; null for the backend without metrics. */
  readonly metricsUrl: string | null;
  readonly proc: BackendProcess;
  target?: Target;
  /** One per worker, kept for the whole run so each worker's mix carries on across slices. */
  workloads?: Workload[];
}

async function startBackend(s: SharedServices, label: Backend['label'], logLevel: string, metrics: boolean): Promise<Backend> {
  const port = await freePort();
  const metricsPort = metrics ? await freePort() : null;
  const proc = startProcess(baseEnv(s, { PORT: String(port), HOST: '127.0.0.1', METRICS_PORT: metricsPort === null ? 'off' : String(metricsPort), LOG_LEVEL: logLevel }));
  const url = `http://127.0.0.1:${port}`;
  await waitHealthy(url, proc, 30_000);
  return { label, url, metricsUrl: metricsPort === null ? null : `http://127.0.0.1:${metricsPort}`, proc };
}

async function stopBackend(b: Backend): Promise<void> {
  b.target?.agent.destroy();
  if (b.proc.child.exitCode !== null) return;
  b.proc.child.kill('SIGTERM');
  const exited = await Promise.race([exitOf(b.proc.child).then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 20_000).unref())]);
  if (!exited) b.proc.child.kill('SIGKILL');
}

/** Sum of the request-duration histogram's _count over every label set: how many requests it observed. */
function observedRequests(text: string): number {
  const name = `${METRIC_NAMES.httpRequestDuration}_count`;
  let sum = 0;
  for (const line of text.split('\n')) if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  return sum;
}

interface Phase {
  readonly result: LoadResult;
  readonly cpuMs: number;
}

const summary = (p: Phase) => ({
  rps: p.result.requests / p.result.seconds,
  p50: percentile(p.result.all, 50),
  p99: percentile(p.result.all, 99),
  cpuUsPerRequest: (p.cpuMs * 1000) / Math.max(1, p.result.requests),
});

const f = (v: number, d = 2, w = 8) => (Number.isFinite(v) ? v.toFixed(d) : '-').padStart(w);

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  const missing = missingBinaries();
  if (missing) throw new Error(`bench needs local services: ${missing}`);
  let interrupted = false;
  process.once('SIGINT', () => {
    interrupted = true;
    console.log('\ninterrupted: finishing the current phase and cleaning up');
  });

  const loadBefore = loadAverage();
  console.log(`imstack backend metrics overhead: ${opts.rounds} rounds x ${opts.seconds} s per backend, ${opts.concurrency} workers, /metrics every ${opts.scrapeMs} ms, LOG_LEVEL=${opts.logLevel}; load average ${loadBefore.join(' ')}`);
  const [pg, redis, s3] = await Promise.all([startPostgres(), startRedis(), startS3()]);
  const services: SharedServices = { pg, redis, s3, databaseUrl: await pg.createDatabase('imstack_bench') };
  const backends: Backend[] = [];
  const pool = new Pool({ connectionString: services.databaseUrl, max: 2 });
  try {
    // Both share the database and Redis, as replicas do, so one sign-in serves both.
    // Started together and given equal shares of the set-up requests, so that the two differ in
    // METRICS_PORT alone (A/A control runs of an earlier version, which started and set up through
    // A first, found A slower by about 10 %).
    backends.push(...(await Promise.all([startBackend(services, 'with', opts.logLevel, !opts.control), startBackend(services, 'without', opts.logLevel, false)])));
    const [withMetrics, without] = backends;
    const password = 'bench password 1';
    const alice = await register(withMetrics.url, undefined, password);
    const bob = await register(without.url);
    const login = await api(without.url, 'POST', '/api/auth/login', { json: { username: alice.username, password } });
    if (login.status !== 200) throw new Error(`sign-in failed: ${login.status}`);
    const headers = { authorization: `Bearer ${login.body.accessToken as string}` };
    const conversations: string[] = [];
    for (let w = 0; w < opts.concurrency; w++) conversations.push(await groupWith(backends[w % 2].url, alice, [bob], `bench ${w}`));
    // Full history pages from the first request on: each conversation starts with HISTORY_SEED messages.
    await pool.query(
      `INSERT INTO messages (conversation_id, sender_id, body)
       SELECT c, $2, 'seed message ' || g FROM unnest($1::uuid[]) AS c, generate_series(1, $3::int) AS g`,
      [conversations, alice.id, HISTORY_SEED],
    );
    await pool.query('VACUUM ANALYZE messages');
    for (const b of backends) {
      b.target = keepAliveTarget(b.url, opts.concurrency, headers);
      b.workloads = conversations.map((c, w) => workload(c, w));
    }

    if (opts.warmup > 0) for (const b of backends) await runLoad(b.target!, b.workloads!, opts.warmup * 1000);

    const observed = async () => (withMetrics.metricsUrl ? observedRequests(await scrape(withMetrics.metricsUrl)) : 0);
    const observedBefore = await observed();
    const scraper = withMetrics.metricsUrl ? new Scraper(withMetrics.metricsUrl, opts.scrapeMs) : null;
    const rounds: { order: string; with: Phase; without: Phase; load1: number }[] = [];
    const phaseMs = opts.seconds * 1000;
    const sliceMs = Math.min(opts.sliceMs, phaseMs);
    for (let r = 0; r < opts.rounds && !interrupted; r++) {
      // Slices of A and B in turn (A first in odd rounds, B first in even ones): the nearer in
      // time the two are measured, the more of the VM's changing load they share.
      const order = r % 2 === 0 ? [withMetrics, without] : [without, withMetrics];
      const load1 = loadAverage()[0];
      const parts: Record<Backend['label'], LoadResult[]> = { with: [], without: [] };
      const cpuMs: Record<Backend['label'], number> = { with: 0, without: 0 };
      for (let done = 0; done < phaseMs && !interrupted; done += sliceMs) {
        for (const b of order) {
          const pid = b.proc.child.pid!;
          const cpu0 = cpuMillis(pid);
          if (b.metricsUrl) scraper?.resume();
          parts[b.label].push(await runLoad(b.target!, b.workloads!, Math.min(sliceMs, phaseMs - done), () => interrupted));
          if (b.metricsUrl) await scraper?.pause();
          cpuMs[b.label] += cpuMillis(pid) - cpu0;
        }
      }
      const phases = { with: { result: mergeLoad(parts.with), cpuMs: cpuMs.with }, without: { result: mergeLoad(parts.without), cpuMs: cpuMs.without } };
      if (interrupted) break;
      rounds.push({ order: order.map((b) => (b.label === 'with' ? 'A' : 'B')).join(''), ...phases, load1 });
      const w = summary(phases.with);
      const o = summary(phases.without);
      if (r === 0) {
        console.log(`\nA = ${opts.control ? 'CONTROL: also without metrics, an A/A run' : 'with metrics (METRICS_PORT set, scraped)'}, B = without (METRICS_PORT=off); latency in ms, CPU = backend process user+sys per request`);
        console.log('round order |   A req/s    A p50    A p99  A cpu µs |   B req/s    B p50    B p99  B cpu µs | p50 A/B  p99 A/B  cpu A/B | load1');
      }
      console.log(
        `${String(r + 1).padStart(5)} ${rounds[r].order.padEnd(5)} |${f(w.rps, 0, 10)} ${f(w.p50)} ${f(w.p99)} ${f(w.cpuUsPerRequest, 0, 9)} |${f(o.rps, 0, 10)} ${f(o.p50)} ${f(o.p99)} ${f(o.cpuUsPerRequest, 0, 9)} | ${f(w.p50 / o.p50, 3, 7)} ${f(w.p99 / o.p99, 3, 8)} ${f(w.cpuUsPerRequest / o.cpuUsPerRequest, 3, 8)} | ${load1.toFixed(2)}`,
      );
    }
    if (!rounds.length) throw new Error('no round completed');

    const observedAfter = await observed();
    const sentToA = rounds.reduce((n, r) => n + r.with.result.requests, 0);
    const errors = rounds.reduce((n, r) => n + r.with.result.errors + r.without.result.errors, 0);
    const firstError = rounds.map((r) => r.with.result.firstError ?? r.without.result.firstError).find((e) => e !== null) ?? null;

    const ratio = (pick: (p: Phase) => number) => median(rounds.map((r) => pick(r.with) / pick(r.without)));
    const p99Ratios = rounds.map((r) => summary(r.with).p99 / summary(r.without).p99);
    const result = {
      p99Ratio: ratio((p) => summary(p).p99),
      p50Ratio: ratio((p) => summary(p).p50),
      cpuPerRequestRatio: ratio((p) => summary(p).cpuUsPerRequest),
      throughputRatio: ratio((p) => summary(p).rps),
      p99RatioRange: [Math.min(...p99Ratios), Math.max(...p99Ratios)],
    };
    const routes = [...rounds[0].with.result.byRoute.keys()].sort();
    const perRoute = Object.fromEntries(
      routes.map((route) => {
        const per = (p: number) => median(rounds.map((r) => percentile(r.with.result.byRoute.get(route) ?? [], p) / percentile(r.without.result.byRoute.get(route) ?? [], p)));
        const pooled = (label: 'with' | 'without', p: number) => percentile(rounds.flatMap((r) => r[label].result.byRoute.get(route) ?? []), p);
        return [route, { p50Ratio: per(50), p99Ratio: per(99), p50WithMs: pooled('with', 50), p99WithMs: pooled('with', 99), p50WithoutMs: pooled('without', 50), p99WithoutMs: pooled('without', 99) }];
      }),
    );

    console.log('\nper route: median of per-round ratios A/B; pooled ms over all rounds');
    console.log('route                                  | p50 A/B  p99 A/B |   A p50    A p99 |   B p50    B p99');
    for (const [route, v] of Object.entries(perRoute)) {
      console.log(`${route.padEnd(38)} | ${f(v.p50Ratio, 3, 7)} ${f(v.p99Ratio, 3, 8)} | ${f(v.p50WithMs, 2, 7)} ${f(v.p99WithMs)} | ${f(v.p50WithoutMs, 2, 7)} ${f(v.p99WithoutMs)}`);
    }
    // After the load, so that its default process metrics never ran in the load generator.
    const labelSets = routes.map((key) => {
      const [method, route] = key.split(' ');
      return { method, route, status: method === 'POST' ? '201' : '200' };
    });
    const micro = await metricsMicroCost(labelSets);
    const bCpuUs = median(rounds.map((r) => summary(r.without).cpuUsPerRequest));
    const loadAfter = loadAverage();
    const overhead = (x: number) => `${((x - 1) * 100).toFixed(1)} %`;
    console.log(`\nmedian over ${rounds.length} rounds, A / B (${opts.control ? 'control: both without metrics' : 'with / without metrics'}):`);
    console.log(`  p99 ${result.p99Ratio.toFixed(3)} (${overhead(result.p99Ratio)}; rounds ${result.p99RatioRange.map((x) => x.toFixed(3)).join('..')})  ${opts.control ? 'control run: no goal' : `goal <= 1.05: ${result.p99Ratio <= 1.05 ? 'met' : 'NOT met'}`}`);
    console.log(`  p50 ${result.p50Ratio.toFixed(3)} (${overhead(result.p50Ratio)}), CPU per request ${result.cpuPerRequestRatio.toFixed(3)} (${overhead(result.cpuPerRequestRatio)}), throughput ${result.throughputRatio.toFixed(3)}`);
    const scrapeP50 = percentile(scraper?.ms ?? [], 50);
    if (scraper) console.log(`  /metrics: ${scraper.count} scrapes (${scraper.failures} failed), ${scraper.bytes} bytes, p50 ${scrapeP50.toFixed(2)} ms; the histogram observed ${observedAfter - observedBefore} of the ${sentToA} measured requests sent to A`);
    console.log(
      `  in-process cost: observe() ${micro.observeUs.toFixed(2)} µs per request (${((100 * micro.observeUs) / bCpuUs).toFixed(3)} % of B's ${bCpuUs.toFixed(0)} µs CPU per request); ` +
        `serialising /metrics ${micro.serialiseMs.toFixed(2)} ms (${micro.bytes} bytes), ${((100 * micro.serialiseMs) / opts.scrapeMs).toFixed(2)} % of one core at this run's interval`,
    );
    console.log(`  errors: ${errors}${firstError ? ` (first: ${firstError})` : ''}; load average before ${loadBefore.join(' ')}, after ${loadAfter.join(' ')}`);
    console.log(
      JSON.stringify({
        bench: 'backend-metrics-overhead',
        options: opts,
        rounds: rounds.length,
        ...result,
        perRoute,
        perRound: rounds.map((r) => ({ order: r.order, with: summary(r.with), without: summary(r.without), load1: r.load1 })),
        scrapes: scraper ? { count: scraper.count, failures: scraper.failures, bytes: scraper.bytes, p50Ms: scrapeP50 } : null,
        observed: scraper ? observedAfter - observedBefore : null,
        sentToWith: sentToA,
        microCost: { ...micro, withoutCpuUsPerRequest: bCpuUs },
        errors,
        loadAverage: { before: loadBefore, after: loadAfter },
      }),
    );
    // Figures from a run that failed requests, or whose histogram missed some, measure something else.
    if (errors > 0 || (scraper && (observedAfter - observedBefore !== sentToA || scraper.failures > 0))) process.exitCode = 1;
  } finally {
    await pool.end();
    await Promise.allSettled(backends.map(stopBackend));
    await Promise.allSettled([pg.stop(), redis.stop(), s3.stop()]);
  }
}

main().catch((err) => {
  console.error(`bench failed: ${(err as Error).message}`);
  process.exit(1);
});
