import assert from 'node:assert/strict';
import { api, baseEnv, needServices } from './support/harness';
import { listeningPorts, sample, scrape } from './support/metrics';
import { exitOf, startProcess, waitHealthy, type BackendProcess } from './support/process';
import { freePort } from './support/services';
import type { SharedServices } from './support/shared';

describe('metrics listener of the real process (src/main.ts)', () => {
  let s: SharedServices;
  before(function () {
    s = needServices(this);
  });

  async function start(metricsPort: string): Promise<{ proc: BackendProcess; port: number }> {
    const port = await freePort();
    const proc = startProcess(baseEnv(s, { PORT: String(port), HOST: '127.0.0.1', METRICS_PORT: metricsPort, LOG_LEVEL: 'info' }));
    await waitHealthy(`http://127.0.0.1:${port}`, proc);
    return { proc, port };
  }

  async function stop(proc: BackendProcess): Promise<void> {
    proc.child.kill('SIGTERM');
    assert.equal(await exitOf(proc.child), 0, proc.output());
  }

  it('listens on METRICS_PORT besides PORT, and only there serves /metrics', async function () {
    this.timeout(30000);
    const metricsPort = await freePort();
    const { proc, port } = await start(String(metricsPort));
    try {
      const text = await scrape(`http://127.0.0.1:${metricsPort}`);
      assert.ok(sample(text, 'imstack_db_pool_max') !== undefined, text.slice(0, 500));
      assert.ok(sample(text, 'imstack_http_request_duration_seconds_count', { method: 'GET', route: '/health', status: '200' })! >= 1, 'the readiness poll is counted');
      assert.equal((await api(`http://127.0.0.1:${port}`, 'GET', '/metrics')).status, 404);
      const ports = listeningPorts(proc.child.pid!);
      if (ports) assert.deepEqual([...ports].sort(), [port, metricsPort].sort());
    } finally {
      await stop(proc);
    }
  });

  it('METRICS_PORT=off starts no listener besides PORT', async function () {
    this.timeout(30000);
    const { proc, port } = await start('off');
    try {
      assert.match(proc.output(), /"metricsPort":"off"/);
      const ports = listeningPorts(proc.child.pid!);
      if (!ports) this.skip();
      assert.deepEqual([...ports], [port]);
    } finally {
      await stop(proc);
    }
  });

  it('a bad METRICS_PORT stops the process with a config error naming it', async () => {
    const { child, output } = startProcess(baseEnv(s, { METRICS_PORT: 'nine' }));
    assert.equal(await exitOf(child), 2);
    assert.match(output(), /METRICS_PORT must be a port from 1 to 65535, or 0 or off to disable the metrics listener \(got "nine"\)/);
  });
});
