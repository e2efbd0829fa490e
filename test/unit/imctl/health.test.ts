// imctl health: verdicts, exit codes, where it connects, and that no credential leaks.
import * as assert from 'assert';
import type { BackupStatusAnswer } from '../../../automation/health/probes';
import { container, FakeDocker, harness, imctl } from './support/fakes';
import { resultOf } from './support/envelope';

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
    // Only the backend's /health reports redis; pages and the API still answer.
    h.probes.httpAnswer = async (url) => (url.endsWith('/health') ? { status: 503, body: '{"status":"degraded","checks":{"postgres":"ok","redis":"down: connect ECONNREFUSED","s3":"ok"}}' } : { status: url.endsWith('/api/me') ? 401 : 200, body: '{}' });
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
    const report = resultOf<{ status: string; exitCode: number; checks: Array<{ name: string; status: string }> }>(r.stdout, 'health');
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

  describe('what users get (issue 15, item 3)', function () {
    const MAINTENANCE_PAGE = { status: 503, body: '<!doctype html><html><head><title>Maintenance</title></head><body><h1>Down for maintenance</h1></body></html>' };
    const users = (h: ReturnType<typeof harness>, answer: (url: string) => { status: number; body: string }): void => {
      h.probes.httpAnswer = async (url) => (url.endsWith('/health') ? { status: 200, body: '{"status":"ok","checks":{"postgres":"ok","redis":"ok","s3":"ok"}}' } : answer(url));
    };

    it('checks a page and an API route through nginx, not only /health', async function () {
      const h = harness();
      users(h, (url) => (url.endsWith('/api/me') ? { status: 401, body: '{"error":"unauthorized","message":"missing bearer token"}' } : { status: 200, body: '<!doctype html>' }));
      const r = await imctl(h, 'health');
      assert.strictEqual(r.code, 0, r.stdout);
      assert.ok(h.probes.calls.includes('http http://127.0.0.1:8080/'), h.probes.calls.join('\n'));
      assert.ok(h.probes.calls.includes('http http://127.0.0.1:8080/api/me'));
      assert.match(r.stdout, /^page \/ via nginx +ok +200 from http:\/\/127\.0\.0\.1:8080\//m);
      assert.match(r.stdout, /^api \/api\/me via nginx +ok +401 from the backend/m);
      assert.match(r.stdout, /^maintenance +ok +off/m);
    });

    it('the maintenance flag is down (exit 2) with since-when and why, although /health answers 200', async function () {
      const h = harness();
      h.docker.containers.push(container('backup'));
      users(h, () => MAINTENANCE_PAGE);
      h.probes.flag = async () => ({ since: '2025-01-01T00:40:00.000Z' });
      Object.assign(h.probes, {
        backupStatus: async () => ({
          lastSuccess: { at: '2025-01-01T00:00:00Z' },
          maintenance: { since: '2025-01-01T00:40:00.000Z', reason: 'restore of backup_dev_20250101_000000.tar.gz.enc', entered: true },
          restoring: { archive: '/backups/backup_dev_20250101_000000.tar.gz.enc', phase: 'objects', startedAt: '2025-01-01T00:39:00.000Z' },
        }),
      });
      const r = await imctl(h, 'health');
      assert.strictEqual(r.code, 2, r.stdout);
      assert.match(r.stdout, /^maintenance +down +on since 2025-01-01T00:40:00\.000Z \(20 min\): set by the restore of backup_dev_20250101_000000\.tar\.gz\.enc, now at phase objects/m);
      assert.match(r.stdout, /^page \/ via nginx +down +503 maintenance page/m);
      assert.match(r.stdout, /^api \/api\/me via nginx +down +503 maintenance page/m);
      assert.match(r.stdout, /^backend \/health via nginx +ok/m, '/health itself still answers');
      assert.match(r.stdout, /stack dev: down \(exit 2\)/);
    });

    it('a flag no restore set says so and how to lift it; a failed lift by the job is named', async function () {
      const h = harness();
      h.docker.containers.push(container('backup'));
      users(h, () => MAINTENANCE_PAGE);
      h.probes.flag = async () => ({ since: '2025-01-01T00:55:00.000Z' });
      let answer: BackupStatusAnswer = { lastSuccess: { at: '2025-01-01T00:00:00Z' } };
      Object.assign(h.probes, { backupStatus: async () => answer });
      let r = await imctl(h, 'health');
      assert.strictEqual(r.code, 2);
      assert.match(r.stdout, /^maintenance +down +on since .*: not set by a restore \(no record in the backups volume\); lift it with `docker exec imstack-dev-nginx rm -f \/var\/lib\/imstack\/maintenance\/on`/m);
      answer = { ...answer, maintenance: { since: '2025-01-01T00:55:00.000Z', reason: 'restore of x.tar.gz.enc', entered: true, problem: { at: '2025-01-01T00:56:00Z', message: 'no running nginx container to lift the maintenance page in' } } };
      r = await imctl(h, 'health');
      assert.match(r.stdout, /^maintenance +down +.*set by the restore of x\.tar\.gz\.enc: the data is settled, the backup job is lifting the page; its last attempt failed: no running nginx/m);
    });

    it('a backend gone behind nginx fails the API route (502), a failing page fails the page', async function () {
      const h = harness();
      users(h, (url) => (url.endsWith('/api/me') ? { status: 502, body: '{"error":"upstream_unavailable"}' } : { status: 500, body: 'oops' }));
      const r = await imctl(h, 'health');
      assert.strictEqual(r.code, 2);
      assert.match(r.stdout, /^api \/api\/me via nginx +down +502 from .*backend unreachable behind nginx/m);
      assert.match(r.stdout, /^page \/ via nginx +down +500/m);
    });

    it('without the web client the page checked is the Next.js app; with neither it is skipped', async function () {
      let h = harness();
      h.docker.containers = h.docker.containers.filter((c) => c.service !== 'web');
      let r = await imctl(h, 'health');
      assert.ok(h.probes.calls.includes('http http://127.0.0.1:8080/next'), h.probes.calls.join('\n'));
      assert.match(r.stdout, /^page \/next via nginx +ok/m);
      h = harness();
      h.docker.containers = h.docker.containers.filter((c) => c.service !== 'web' && c.service !== 'next');
      r = await imctl(h, 'health');
      assert.match(r.stdout, /^page \/ via nginx +skipped +neither the web client nor the Next\.js app/m);
    });
  });
});
