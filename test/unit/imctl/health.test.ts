// imctl health: verdicts, exit codes, where it connects, and that no credential leaks.
import * as assert from 'assert';
import { FakeDocker, harness, imctl } from './support/fakes';

function stopped(h: ReturnType<typeof harness>, service: string): void {
  for (const c of h.docker.containers.filter((x) => x.service === service)) Object.assign(c, { state: 'exited', exitCode: 0, ports: [], startedAt: undefined });
}

describe('imctl: health', function () {
  it('healthy stack: exit 0, every check ok, credentials read from the backend and used on published ports', async function () {
    const h = harness();
    const r = await imctl(h, 'health');
    assert.strictEqual(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^CHECK +STATUS +DETAIL/);
    for (const name of ['container postgres', 'container backend-2', 'postgres query', 'redis ping', 'bucket', 'backend /health via nginx', 'disk docker data root', 'disk backups volume', 'port 127.0.0.1:8080']) {
      assert.match(r.stdout, new RegExp(`${name.replace(/[./]/g, '\\$&')} +ok`), name);
    }
    assert.match(r.stdout, /stack dev: healthy \(exit 0\)/);
    assert.ok(h.probes.calls.includes('pg imstack_app@127.0.0.1:15432/imstack'), h.probes.calls.join('\n'));
    assert.ok(h.probes.calls.includes('redis 127.0.0.1:16379'));
    assert.ok(h.probes.calls.includes('bucket 127.0.0.1:19000/imstack'));
    assert.ok(h.probes.calls.includes('http http://127.0.0.1:8080/health'));
  });

  it('without published data ports (prod) it reaches services by container IP on the data network', async function () {
    const h = harness();
    for (const c of h.docker.containers) if (c.service !== 'nginx') Object.assign(c, { ports: [], publishedPorts: [] });
    const r = await imctl(h, 'health');
    assert.strictEqual(r.code, 0, r.stdout);
    assert.ok(h.probes.calls.includes('pg imstack_app@172.20.0.2:5432/imstack'), h.probes.calls.join('\n'));
    assert.match(r.stdout, /container IP on imstack-dev-data/);
  });

  it('redis stopped: degraded, exit 1', async function () {
    const h = harness();
    stopped(h, 'redis');
    h.probes.httpAnswer = async () => ({ status: 503, body: '{"status":"degraded","checks":{"postgres":"ok","redis":"down: connect ECONNREFUSED","s3":"ok"}}' });
    h.probes.listening = (_h, port) => port !== 16379;
    const r = await imctl(h, 'health');
    assert.strictEqual(r.code, 1, r.stdout);
    assert.match(r.stdout, /container redis +degraded +exited/);
    assert.match(r.stdout, /redis ping +degraded +redis is exited/);
    assert.match(r.stdout, /backend \/health via nginx +degraded +503: redis: down/);
    assert.match(r.stdout, /port 127\.0\.0\.1:16379 +degraded/);
    assert.match(r.stdout, /stack dev: degraded \(exit 1\)/);
  });

  it('postgres stopped: down, exit 2', async function () {
    const h = harness();
    stopped(h, 'postgres');
    const r = await imctl(h, 'health');
    assert.strictEqual(r.code, 2);
    assert.match(r.stdout, /postgres query +down +postgres is exited/);
  });

  it('nginx answering 502 (backend unreachable): down, exit 2', async function () {
    const h = harness();
    h.probes.httpAnswer = async () => ({ status: 502, body: '<html>Bad Gateway</html>' });
    const r = await imctl(h, 'health');
    assert.strictEqual(r.code, 2);
    assert.match(r.stdout, /backend \/health via nginx +down +502/);
  });

  it('nginx stopped: down; nginx not answering at all: down', async function () {
    let h = harness();
    stopped(h, 'nginx');
    assert.strictEqual((await imctl(h, 'health')).code, 2);
    h = harness();
    h.probes.httpAnswer = async () => {
      throw new Error('fetch failed');
    };
    const r = await imctl(h, 'health');
    assert.strictEqual(r.code, 2);
    assert.match(r.stdout, /http:\/\/127\.0\.0\.1:8080\/health: fetch failed/);
  });

  it('one backend replica down of two: degraded; both down: down', async function () {
    const h = harness();
    Object.assign(h.docker.containers.find((c) => c.replica === 2)!, { health: 'unhealthy' });
    assert.strictEqual((await imctl(h, 'health')).code, 1);
    Object.assign(h.docker.containers.find((c) => c.replica === 1)!, { state: 'exited' });
    assert.strictEqual((await imctl(h, 'health')).code, 2);
  });

  it('missing bucket, failing minio and low disk are degraded', async function () {
    let h = harness();
    h.probes.bucketExists = async () => false;
    let r = await imctl(h, 'health');
    assert.strictEqual(r.code, 1);
    assert.match(r.stdout, /bucket +degraded +bucket imstack does not exist/);
    h = harness();
    h.probes.space = (p) => (p.includes('backups') ? { freeBytes: 100 * 1024 ** 2, totalBytes: 10 * 1024 ** 3 } : { freeBytes: 50 * 1024 ** 3, totalBytes: 100 * 1024 ** 3 });
    r = await imctl(h, 'health', '--min-free', '500MB');
    assert.strictEqual(r.code, 1);
    assert.match(r.stdout, /disk backups volume +degraded +100\.0 MiB free of 10\.0 GiB \(threshold 476\.8 MiB\)/);
    assert.strictEqual((await imctl(h, 'health', '--min-free', '50MiB')).code, 0);
  });

  it('a disk that is not on this machine is skipped, not failed', async function () {
    const h = harness();
    h.probes.space = () => null;
    const r = await imctl(h, 'health');
    assert.strictEqual(r.code, 0);
    assert.match(r.stdout, /disk docker data root +skipped/);
  });

  it('a configured port Docker did not publish (internal-only network) is skipped with the reason', async function () {
    const h = harness();
    Object.assign(h.docker.containers.find((c) => c.service === 'postgres')!, { ports: [] });
    const r = await imctl(h, 'health');
    assert.strictEqual(r.code, 0, r.stdout);
    assert.match(r.stdout, /port 127\.0\.0\.1:15432 +skipped +postgres 5432\/tcp configured but not published by Docker/);
  });

  it('no containers at all: down, exit 2', async function () {
    const h = harness();
    h.docker = new FakeDocker([]);
    const r = await imctl(h, 'health');
    assert.strictEqual(r.code, 2);
    assert.match(r.stdout, /not deployed/);
  });

  it('--json reports status, exit code and every check', async function () {
    const h = harness();
    stopped(h, 'redis');
    const r = await imctl(h, '--json', 'health');
    assert.strictEqual(r.code, 1);
    const report = JSON.parse(r.stdout) as { status: string; exitCode: number; checks: Array<{ name: string; status: string }> };
    assert.strictEqual(report.status, 'degraded');
    assert.strictEqual(report.exitCode, 1);
    assert.ok(report.checks.some((c) => c.name === 'redis ping' && c.status === 'degraded'));
  });

  it('never prints a credential, even when a client error echoes it', async function () {
    const h = harness();
    h.probes.pg = async (t) => {
      throw new Error(`password authentication failed for ${t.user} using ${t.password}`);
    };
    h.probes.redisPing = async (t) => {
      throw new Error(`WRONGPASS ${t.password}`);
    };
    h.probes.bucketExists = async (t) => {
      throw new Error(`SignatureDoesNotMatch for ${t.secretKey}`);
    };
    for (const args of [['health'], ['--json', 'health'], ['--verbose', 'health']]) {
      const r = await imctl(h, ...args);
      assert.strictEqual(r.code, 2);
      assert.doesNotMatch(r.stdout + r.stderr, /pgSECRETpw123|redisSECRETpw456|s3SECRETkey789/);
      assert.match(r.stdout, /\[secret\]/);
    }
  });

  it('bad --min-free/--timeout are usage errors (3)', async function () {
    assert.strictEqual((await imctl(harness(), 'health', '--min-free', 'lots')).code, 3);
    assert.strictEqual((await imctl(harness(), 'health', '--timeout', '-1')).code, 3);
  });
});
