// status / start / stop / restart / logs with Docker injected.
import * as assert from 'assert';
import { timeKey } from '../../../automation/commands/logs';
import { container, FakeDocker, harness, imctl } from './support/fakes';
import { resultOf } from './support/envelope';

describe('imctl: container commands (Docker injected)', function () {
  it('status prints a table in start order with state, health, uptime and ports', async function () {
    const h = harness();
    const r = await imctl(h, 'status');
    assert.strictEqual(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.match(lines[0], /^SERVICE +CONTAINER +STATE +HEALTH +UPTIME +PORTS$/);
    assert.deepStrictEqual(lines.slice(1).map((l) => l.split(/\s+/)[0]), ['postgres', 'redis', 'minio', 'minio-init', 'backend-1', 'backend-2', 'web', 'next', 'nginx']);
    assert.match(r.stdout, /postgres +imstack-dev-postgres +running +healthy +1h0m +127\.0\.0\.1:15432->5432\/tcp/);
    assert.match(r.stdout, /minio-init +imstack-dev-minio-init +exited \(0\) +- +- +-/);
  });

  it('status --json: the envelope\'s result is an array of containers', async function () {
    const h = harness();
    const r = await imctl(h, '--json', 'status');
    const rows = resultOf<Array<{ service: string; replica: number | null; uptimeSeconds: number | null }>>(r.stdout, 'status');
    assert.strictEqual(rows.length, 9);
    assert.deepStrictEqual(rows.find((x) => x.replica === 2), { ...rows.find((x) => x.replica === 2), service: 'backend', uptimeSeconds: 3600 });
  });

  it('no containers for the stack: exit 6 with how to deploy', async function () {
    const h = harness();
    h.docker = new FakeDocker([]);
    const r = await imctl(h, 'status');
    assert.strictEqual(r.code, 6);
    assert.match(r.stderr, /no containers labelled com\.imstack\.stack=dev/);
    assert.match(r.stderr, /imctl up --stack dev/);
  });

  it('Docker unreachable: exit 8 for every container command', async function () {
    for (const cmd of [['status'], ['start'], ['stop'], ['restart'], ['logs'], ['health']]) {
      const h = harness();
      h.docker.unreachable = Object.assign(new Error('connect ENOENT /var/run/docker.sock'), { code: 'ENOENT', syscall: 'connect' });
      const { DockerUnreachableError } = await import('../../../automation/errors');
      h.docker.unreachable = new DockerUnreachableError('cannot reach the Docker engine (ENOENT)', { hint: 'start it' });
      const r = await imctl(h, ...cmd);
      assert.strictEqual(r.code, 8, cmd.join(' '));
      assert.match(r.stderr, /cannot reach the Docker engine/);
    }
  });

  it('start (all) goes data -> app -> edge, skipping the one-shot job, and waits for each tier to be healthy', async function () {
    const h = harness();
    for (const c of h.docker.containers) if (c.service !== 'minio-init') Object.assign(c, { state: 'exited', exitCode: 0 });
    h.docker.healthyAfter = { 'imstack-dev-postgres': 3, 'imstack-dev-backend-1': 1 };
    const r = await imctl(h, 'start');
    assert.strictEqual(r.code, 0, r.stderr);
    assert.deepStrictEqual(h.docker.actions, [
      'start imstack-dev-postgres', 'start imstack-dev-redis', 'start imstack-dev-minio',
      'start imstack-dev-backend-1', 'start imstack-dev-backend-2', 'start imstack-dev-web', 'start imstack-dev-next',
      'start imstack-dev-nginx',
    ]);
    // The app tier starts only after postgres reported healthy.
    const pgReady = r.stderr.indexOf('✓ postgres healthy');
    const backendStart = r.stderr.indexOf('starting backend-1');
    assert.ok(pgReady > 0 && backendStart > pgReady, r.stderr);
    assert.match(r.stdout, /^started: postgres running \(healthy\), redis/);
  });

  it('the backup job starts with the data tier but its health does not hold up the app tier', async function () {
    const h = harness();
    h.docker.containers.push(container('backup', { state: 'exited', exitCode: 0 }));
    h.docker.healthyAfter = { 'imstack-dev-backup': 20 };
    const r = await imctl(h, 'start', 'backup', 'backend');
    assert.strictEqual(r.code, 0, r.stderr);
    assert.ok(r.stderr.indexOf('starting backend-1') < r.stderr.indexOf('✓ backup healthy'), r.stderr);
  });

  it('start of one service starts only it', async function () {
    const h = harness();
    Object.assign(h.docker.containers.find((c) => c.service === 'redis')!, { state: 'exited' });
    const r = await imctl(h, 'start', 'redis');
    assert.strictEqual(r.code, 0, r.stderr);
    assert.deepStrictEqual(h.docker.actions, ['start imstack-dev-redis']);
  });

  it('start fails with 10 when a container does not become healthy in time, naming it and how to look', async function () {
    const h = harness();
    h.docker.healthyAfter = { 'imstack-dev-redis': 1000 };
    const r = await imctl(h, 'start', 'redis', '--timeout', '5s');
    assert.strictEqual(r.code, 10);
    assert.match(r.stderr, /not healthy after 5s: redis \(starting\)/);
    assert.match(r.stderr, /imctl logs redis --tail 50/);
  });

  it('start fails with 10 at once when a container exits while starting', async function () {
    const h = harness();
    h.docker.failOnStart = { 'imstack-dev-postgres': { state: 'exited', exitCode: 1 } };
    const r = await imctl(h, 'start', 'postgres');
    assert.strictEqual(r.code, 10);
    assert.match(r.stderr, /postgres stopped while starting: exited \(exit 1\)/);
  });

  it('stop (all) goes edge -> app -> data with the grace period', async function () {
    const h = harness();
    const r = await imctl(h, 'stop', '--grace', '5s');
    assert.strictEqual(r.code, 0, r.stderr);
    assert.deepStrictEqual(h.docker.actions, [
      'stop imstack-dev-nginx t=5', 'stop imstack-dev-next t=5', 'stop imstack-dev-web t=5', 'stop imstack-dev-backend-2 t=5', 'stop imstack-dev-backend-1 t=5',
      'stop imstack-dev-minio t=5', 'stop imstack-dev-redis t=5', 'stop imstack-dev-postgres t=5',
    ]);
  });

  it('a replica can be addressed on its own', async function () {
    const h = harness();
    const r = await imctl(h, 'restart', 'backend-2');
    assert.strictEqual(r.code, 0, r.stderr);
    assert.deepStrictEqual(h.docker.actions, ['stop imstack-dev-backend-2 t=30', 'start imstack-dev-backend-2']);
  });

  it('restart stops in reverse order, then starts in order', async function () {
    const h = harness();
    const r = await imctl(h, 'restart', 'nginx', 'postgres');
    assert.strictEqual(r.code, 0, r.stderr);
    assert.deepStrictEqual(h.docker.actions, ['stop imstack-dev-nginx t=30', 'stop imstack-dev-postgres t=30', 'start imstack-dev-postgres', 'start imstack-dev-nginx']);
  });

  it('an unknown service is a usage error (3) listing the services', async function () {
    const h = harness();
    const r = await imctl(h, 'stop', 'mysql');
    assert.strictEqual(r.code, 3);
    assert.match(r.stderr, /unknown service: mysql/);
    assert.match(r.stderr, /services in this stack: postgres, redis, minio, minio-init, backend, web, next, nginx/);
    assert.deepStrictEqual(h.docker.actions, []);
  });

  it('bad durations are usage errors (3)', async function () {
    assert.strictEqual((await imctl(harness(), 'start', '--timeout', 'soon')).code, 3);
    assert.strictEqual((await imctl(harness(), 'stop', '--grace', '0')).code, 3);
  });

  it('Ctrl-C while waiting for health exits 130', async function () {
    const h = harness();
    h.docker.healthyAfter = { 'imstack-dev-redis': 1000 };
    let n = 0;
    const orig = h.docker.inspectContainer.bind(h.docker);
    h.docker.inspectContainer = async (id: string) => {
      if (++n === 3) h.interrupts.fire();
      return orig(id);
    };
    const r = await imctl(h, 'start', 'redis');
    assert.strictEqual(r.code, 130);
  });

  describe('logs', function () {
    function withLogs(): ReturnType<typeof harness> {
      const h = harness();
      h.docker.logLines = {
        'imstack-dev-postgres': [
          { stream: 'stdout', text: 'database system is ready', time: '2025-01-01T00:00:01.5Z' },
          { stream: 'stdout', text: 'checkpoint complete', time: '2025-01-01T00:00:03Z' },
        ],
        'imstack-dev-backend-1': [{ stream: 'stderr', text: 'listening on 4000', time: '2025-01-01T00:00:02.25Z' }],
      };
      return h;
    }

    it('merges lines of all containers by time, prefixed by service/replica', async function () {
      const h = withLogs();
      const r = await imctl(h, 'logs');
      assert.strictEqual(r.code, 0, r.stderr);
      assert.deepStrictEqual(r.stdout.trim().split('\n'), [
        'postgres   | database system is ready',
        'backend-1  | listening on 4000',
        'postgres   | checkpoint complete',
      ]);
      assert.ok(h.docker.logCalls.every((c) => c.opts.tail === 100 && c.opts.follow === false), 'default --tail 100');
    });

    it('--tail, --since and --timestamps reach Docker and the output', async function () {
      const h = withLogs();
      const r = await imctl(h, 'logs', 'postgres', '--tail', '5', '--since', '10m', '--timestamps');
      assert.strictEqual(r.code, 0, r.stderr);
      assert.deepStrictEqual(h.docker.logCalls.map((c) => c.name), ['imstack-dev-postgres']);
      assert.strictEqual(h.docker.logCalls[0].opts.tail, 5);
      assert.strictEqual(h.docker.logCalls[0].opts.since, Date.parse('2025-01-01T00:50:00Z') / 1000);
      assert.match(r.stdout, /^postgres \| 2025-01-01T00:00:01\.5Z database system is ready/);
    });

    it('--tail all means no limit; bad --tail/--since are usage errors', async function () {
      const h = withLogs();
      assert.strictEqual((await imctl(h, 'logs', '--tail', 'all')).code, 0);
      assert.strictEqual(h.docker.logCalls[0].opts.tail, undefined);
      assert.strictEqual((await imctl(h, 'logs', '--tail', '-3')).code, 3);
      const bad = await imctl(h, 'logs', '--since', 'yesterday');
      assert.strictEqual(bad.code, 3);
      assert.match(bad.stderr, /--since "yesterday" is not a duration/);
    });

    it('--json gives one record per line, then the envelope', async function () {
      const h = withLogs();
      const r = await imctl(h, '--json', 'logs', 'backend');
      const lines = r.stdout.trim().split('\n');
      assert.strictEqual(lines.length, 2, 'one record, then the envelope');
      assert.deepStrictEqual(JSON.parse(lines[0]), { service: 'backend', replica: 1, container: 'imstack-dev-backend-1', stream: 'stderr', time: '2025-01-01T00:00:02.25Z', line: 'listening on 4000' });
      assert.deepStrictEqual(resultOf(r.stdout, 'logs'), { containers: ['imstack-dev-backend-1', 'imstack-dev-backend-2'], lines: 1 });
    });

    it('--follow streams until Ctrl-C, then exits 0', async function () {
      const h = withLogs();
      setTimeout(() => h.interrupts.fire(), 20);
      const r = await imctl(h, 'logs', '--follow', 'postgres');
      assert.strictEqual(r.code, 0);
      assert.match(r.stdout, /database system is ready/);
      assert.ok(h.docker.logCalls[0].opts.follow);
    });

    it('secrets in log lines are masked (URL passwords, known secrets)', async function () {
      const h = harness();
      h.docker.logLines = { 'imstack-dev-backend-1': [{ stream: 'stdout', text: 'connecting to postgres://imstack_app:leakyPASS@postgres:5432/imstack' }] };
      const r = await imctl(h, 'logs', 'backend-1');
      assert.match(r.stdout, /postgres:\/\/imstack_app:\[secret\]@postgres/);
    });

    it('time keys order fractions of different lengths correctly', function () {
      assert.ok(timeKey('2025-01-01T00:00:00.12Z') > timeKey('2025-01-01T00:00:00.1Z'));
      assert.ok(timeKey('2025-01-01T00:00:01Z') > timeKey('2025-01-01T00:00:00.999999999Z'));
    });
  });

  it('containers of other stacks are never touched', async function () {
    const h = harness();
    h.docker.containers.push(container('redis', { stack: 'other', id: 'id-other', name: 'imstack-other-redis' }));
    await imctl(h, 'stop');
    assert.ok(!h.docker.actions.some((a) => a.includes('imstack-other')));
  });
});
