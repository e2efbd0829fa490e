// imctl start / restart tell about a restore the backup job has pending or interrupted, and a
// maintenance page left up, with what resolves it (issue 15, item 2). Docker and the job's
// status injected.
import * as assert from 'assert';
import type { BackupStatusAnswer } from '../../../automation/health/probes';
import { container, harness, imctl, type Harness } from './support/fakes';

const ARCHIVE = '/backups/backup_dev_20250101_000000.tar.gz.enc';

function stackWithJob(status: BackupStatusAnswer, flag: string | null): Harness {
  const h = harness();
  h.docker.containers.push(container('backup'));
  Object.assign(h.probes, { backupStatus: async () => status });
  h.probes.flag = async () => (flag ? { since: flag } : null);
  // After the interrupted restore the backends are stopped.
  for (const b of h.docker.containers.filter((c) => c.service === 'backend')) Object.assign(b, { state: 'exited', exitCode: 0 });
  return h;
}

describe('imctl: start/restart and a pending restore', function () {
  it('start says that a restore was interrupted, that the job resolves it, and how to check and force it', async function () {
    const h = stackWithJob({ restoring: { archive: ARCHIVE, phase: 'objects', startedAt: '2025-01-01T00:39:00Z' }, maintenance: { since: '2025-01-01T00:40:00Z', reason: 'restore of x', entered: true } }, '2025-01-01T00:40:00.000Z');
    const r = await imctl(h, 'start');
    assert.strictEqual(r.code, 0, r.stderr);
    assert.match(r.stderr, /warning: a restore of backup_dev_20250101_000000\.tar\.gz\.enc is in progress or was interrupted \(phase objects, started 2025-01-01T00:39:00Z\)/);
    assert.match(r.stderr, /rolls an interrupted one back and lifts the maintenance page by itself/);
    assert.match(r.stderr, /`imctl health --stack dev`/);
    assert.match(r.stderr, /`imctl restart backup`/);
  });

  it('start says the site is still in maintenance from a restore, and what to do if the job cannot lift it', async function () {
    const h = stackWithJob({ maintenance: { since: '2025-01-01T00:40:00Z', reason: 'restore of backup_dev_20250101_000000.tar.gz.enc', entered: true, problem: { at: '2025-01-01T00:41:00Z', message: 'Docker GET /containers/json: 403 forbidden' } } }, '2025-01-01T00:40:00.000Z');
    const r = await imctl(h, 'start');
    assert.strictEqual(r.code, 0, r.stderr);
    assert.match(r.stderr, /warning: the site is still in maintenance \(since 2025-01-01T00:40:00\.000Z\) from the restore of backup_dev_20250101_000000\.tar\.gz\.enc/);
    assert.match(r.stderr, /its last attempt failed: Docker GET \/containers\/json: 403 forbidden/);
    assert.match(r.stderr, /`docker exec imstack-dev-nginx rm -f \/var\/lib\/imstack\/maintenance\/on`/);
  });

  it('start names a maintenance flag no restore set', async function () {
    const h = stackWithJob({}, '2025-01-01T00:40:00.000Z');
    const r = await imctl(h, 'start');
    assert.match(r.stderr, /warning: nginx serves the maintenance page \(flag set since 2025-01-01T00:40:00\.000Z\), not set by a restore/);
  });

  it('start with nothing pending says nothing about restores; a committed one is mentioned, not warned about', async function () {
    let h = stackWithJob({}, null);
    let r = await imctl(h, 'start');
    assert.strictEqual(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /restore|maintenance/);
    h = stackWithJob({ restoring: { archive: ARCHIVE, safety: 'backup_dev_20250101_004000.tar.gz.enc', phase: 'committed', startedAt: '2025-01-01T00:39:00Z' } }, null);
    r = await imctl(h, 'start');
    assert.doesNotMatch(r.stderr, /warning/);
    assert.match(r.stderr, /restore of backup_dev_20250101_000000\.tar\.gz\.enc is committed; the backup job is writing its safety archive backup_dev_20250101_004000\.tar\.gz\.enc/);
  });

  it('restart warns first that restarting the job interrupts a running restore, then tells what is pending', async function () {
    const h = stackWithJob({ restoring: { archive: ARCHIVE, phase: 'prepared', startedAt: '2025-01-01T00:39:00Z' } }, null);
    const r = await imctl(h, 'restart', 'backup');
    assert.strictEqual(r.code, 0, r.stderr);
    const interrupt = r.stderr.indexOf('restarting the backup job interrupts it');
    assert.ok(interrupt >= 0, r.stderr);
    assert.ok(interrupt < r.stderr.indexOf('stopping backup'), 'said before the job is stopped');
    assert.match(r.stderr, /is in progress or was interrupted \(phase prepared/);
    // Restarting only the backends does not touch the restore: no interruption warning.
    const h2 = stackWithJob({ restoring: { archive: ARCHIVE, phase: 'prepared', startedAt: '2025-01-01T00:39:00Z' } }, null);
    const r2 = await imctl(h2, 'restart', 'backend');
    assert.doesNotMatch(r2.stderr, /interrupts it/);
  });

  it('a stopped job is named: it settles restores only while it runs', async function () {
    const h = stackWithJob({}, null);
    Object.assign(h.docker.containers.find((c) => c.service === 'backup')!, { state: 'exited', exitCode: 137 });
    const r = await imctl(h, 'start', 'backend');
    assert.match(r.stderr, /the backup job is not running: it settles interrupted restores only while it runs \(`imctl start backup`\)/);
  });
});
