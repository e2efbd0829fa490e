// The metrics' own cost, measured in-process and free of the VM's noise: one histogram observe()
// per request (what the onResponse hook does), and one serialisation of the registry (what a
// scrape costs), with as many label sets as the bench's workload produces. Latency ratios on a
// shared 2-core VM cannot resolve a few per cent; these, set against the CPU time one request
// takes, can.
import { BackendMetrics } from '../../src/metrics/registry';

export interface MicroCost {
  /** CPU-bound wall time of one observe() with a (method, route, status) label set, in µs. */
  readonly observeUs: number;
  /** One registry.metrics() call, in ms. */
  readonly serialiseMs: number;
  readonly bytes: number;
}

export async function metricsMicroCost(labelSets: readonly { method: string; route: string; status: string }[]): Promise<MicroCost> {
  const metrics = new BackendMetrics({ pool: { totalCount: 10, idleCount: 8, waitingCount: 0 }, poolMax: 10, openWebsockets: () => 0 });
  const observe = (n: number) => {
    for (let i = 0; i < n; i++) metrics.httpRequestDuration.observe(labelSets[i % labelSets.length], 0.001 + (i % 100) / 1000);
  };
  observe(20_000); // warm-up, for the JIT
  const n = 200_000;
  let t = process.hrtime.bigint();
  observe(n);
  const observeUs = Number(process.hrtime.bigint() - t) / 1e3 / n;
  let text = await metrics.registry.metrics();
  const scrapes = 50;
  t = process.hrtime.bigint();
  for (let i = 0; i < scrapes; i++) text = await metrics.registry.metrics();
  const serialiseMs = Number(process.hrtime.bigint() - t) / 1e6 / scrapes;
  return { observeUs, serialiseMs, bytes: text.length };
}
