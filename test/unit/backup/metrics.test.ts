// The backup job's Prometheus metrics (issue 14, "The backup job's metrics"): the daemon's
// /metrics listener, every series computed from status.json at scrape time, the counters kept
// in status.json, firstStartedAt as the last success until a real one, a bad status file, and
// the runs and restores that feed them (against real PostgreSQL and S3 where they need them).
import { strict as assert } from 'assert';
import { spawn, spawnSync } from 'child_process';
import { once } from 'events';
import { promises as fsp } from 'fs';
import { request } from 'http';
import { tmpdir } from 'os';
import { join } from 'path';
import {
  BACKUP_METRICS, FAILURE_LABEL, FAILURE_REASONS, fromEnv, JOB_METRICS_PORT, METRICS_PORT_ENV, RESTORE_LABEL, RESTORE_OUTCOMES, STATUS_FILE, toEnv,
} from '../../../automation/backup/contract';
import type { BackupContext } from '../../../automation/backup/context';
import { JobMetrics } from '../../../automation/backup/jobMetrics';
import { readJournal } from '../../../automation/backup/journal';
import { MetricsServer, startMetricsServer } from '../../../automation/backup/metricsServer';
import { recoverInterrupted, restore, RestoreFailed, RestoreRefused } from '../../../automation/backup/restore';
import { runBackup } from '../../../automation/backup/run';
import { startScheduler } from '../../../automation/backup/scheduler';
import { readStatus, recordRestore, updateStatus } from '../../../automation/backup/status';
import * as monitoring from '../../../monitoring/metrics';
import { THRESHOLDS } from '../../../monitoring/prometheus/rules';
import { Env, missingPgReason, skipOrFail, startEnv } from './support/env';
import { mutate, seed } from './support/fixture';

const ROOT = join(__dirname, '../../..');

function get(port: number, path: string, method = 'GET'): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** `name{label="v"}` -> value, from the exposition text. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (\S+)$/.exec(line);
    assert.ok(m, `not an exposition line: ${line}`);
    out.set(m[1], Number(m[2]));
  }
  return out;
}

function value(s: Map<string, number>, key: string): number {
  const v = s.get(key);
  assert.ok(v !== undefined, `no sample ${key} in: ${[...s.keys()].join(', ')}`);
  return v;
}

const M = BACKUP_METRICS;
const seconds = (iso: string | undefined): number => Date.parse(iso ?? '') / 1000;
const failures = (reason: string): string => `${M.failures}{${FAILURE_LABEL}="${reason}"}`;
const restores = (outcome: string): string => `${M.restores}{${RESTORE_LABEL}="${outcome}"}`;

describe('backup job metrics (issue 14)', function () {
  this.timeout(60_000);
  const dirs: string[] = [];
  const servers: MetricsServer[] = [];
  const newDir = async (): Promise<string> => {
    const d = await fsp.mkdtemp(join(tmpdir(), 'imstack-metrics-'));
    dirs.push(d);
    return d;
  };
  /** A listener on an ephemeral port of 127.0.0.1, as the daemon's is on 9477. */
  async function serve(metrics: JobMetrics): Promise<(path?: string) => Promise<Map<string, number>>> {
    const server = await startMetricsServer(metrics, { port: 0, host: '127.0.0.1' });
    servers.push(server);
    return async (path = '/metrics') => {
      const r = await get(server.port, path);
      assert.equal(r.status, 200, r.body);
      return samples(r.body);
    };
  }
  after(async () => {
    for (const s of servers) await s.close();
    for (const d of dirs) await fsp.rm(d, { recursive: true, force: true });
  });

  describe('names, port and listener', () => {
    it('are the monitoring tier\'s: every name and restore outcome of monitoring/metrics.ts, port TARGETS.backup', () => {
      for (const [key, name] of Object.entries(monitoring.BACKUP_METRICS)) assert.equal((M as Record<string, string>)[key], name, key);
      assert.deepEqual([...RESTORE_OUTCOMES], [...monitoring.RESTORE_OUTCOMES]);
      assert.equal(JOB_METRICS_PORT, monitoring.TARGETS.backup.port);
    });

    it('GET /metrics serves every series, from a private registry; other paths 404, other methods 405', async () => {
      const dir = await newDir();
      await updateStatus(dir, { firstStartedAt: new Date().toISOString() });
      const metrics = new JobMetrics({ backupDir: dir });
      const server = await startMetricsServer(metrics, { port: 0, host: '127.0.0.1' });
      servers.push(server);
      const r = await get(server.port, '/metrics');
      assert.equal(r.status, 200);
      assert.match(r.type, /^text\/plain; version=0\.0\.4/);
      const s = samples(r.body);
      for (const name of Object.values(M)) {
        assert.match(r.body, new RegExp(`^# TYPE ${name} (gauge|counter)$`, 'm'), name);
        assert.ok([...s.keys()].some((k) => k === name || k.startsWith(`${name}{`)), `a sample of ${name}`);
      }
      // Every label value is there from the start (0), so rate() and the dashboards always have a series.
      for (const r2 of FAILURE_REASONS) assert.equal(value(s, failures(r2)), 0);
      for (const o of RESTORE_OUTCOMES) assert.equal(value(s, restores(o)), 0);
      // Nothing but ours: no default process metrics, and nothing in prom-client's global registry.
      assert.deepEqual([...new Set([...s.keys()].map((k) => k.replace(/\{.*$/, '')))].sort(), [...Object.values(M)].sort());
      // A second set beside it (prom-client refuses a name registered twice in one registry).
      assert.doesNotThrow(() => new JobMetrics({ backupDir: dir }));
      for (const p of ['/', '/metrics/', '/metricsx', '/status']) assert.equal((await get(server.port, p)).status, 404, p);
      assert.equal((await get(server.port, '/metrics?x=1')).status, 200);
      assert.equal((await get(server.port, '/metrics', 'POST')).status, 405);
    });

    it(`${METRICS_PORT_ENV}: default ${JOB_METRICS_PORT}, 0 switches it off, anything else is refused naming the variable`, () => {
      const base = { STACK: 'dev' };
      assert.equal(fromEnv(base).metricsPort, JOB_METRICS_PORT);
      assert.equal(fromEnv({ ...base, [METRICS_PORT_ENV]: '0' }).metricsPort, 0);
      assert.equal(fromEnv({ ...base, [METRICS_PORT_ENV]: '9500' }).metricsPort, 9500);
      for (const bad of ['x', '-1', '70000', '1.5']) assert.throws(() => fromEnv({ ...base, [METRICS_PORT_ENV]: bad }), new RegExp(`environment variable ${METRICS_PORT_ENV}`), bad);
      // Left out, the program writes no variable (a deployed stack's container sees no change).
      assert.ok(!toEnv({ stack: 'dev' }).some((e) => e.startsWith(`${METRICS_PORT_ENV}=`)));
      assert.ok(toEnv({ stack: 'dev', metricsPort: 0 }).includes(`${METRICS_PORT_ENV}=0`));
      assert.equal(fromEnv({ ...base, ...Object.fromEntries(toEnv({ stack: 'dev', metricsPort: 0 }).map((e) => e.split('=', 2))) }).metricsPort, 0);
      assert.throws(() => toEnv({ stack: 'dev', metricsPort: 65536 }), /metricsPort/);
    });
  });

  describe('from status.json, at scrape time', () => {
    it('before the first success the last success is when the job first started, recorded once across restarts', async () => {
      const dir = await newDir();
      let t = Date.parse('2026-01-01T00:00:00Z');
      const ctx: BackupContext = { stack: 'test', backupDir: dir, now: () => new Date(t) };
      const settings = { ctx, schedule: '0 2 * * *', timezone: 'UTC', retention: { retentionDays: 7, keepLast: 3 }, components: ['postgres' as const] };
      (await startScheduler(settings)).stop();
      const first = (await readStatus(dir)).firstStartedAt;
      assert.equal(first, '2026-01-01T00:00:00.000Z');
      // A restart 30 h later keeps it: the stack has now gone 30 h without a backup.
      t += 30 * 3600_000;
      (await startScheduler(settings)).stop();
      assert.equal((await readStatus(dir)).firstStartedAt, first);
      const scrape = await serve(new JobMetrics({ backupDir: dir, now: ctx.now }));
      let s = await scrape();
      assert.equal(value(s, M.lastSuccessTimestamp), seconds(first));
      assert.equal(value(s, M.clock), t / 1000);
      assert.ok(value(s, M.clock) - value(s, M.lastSuccessTimestamp) > THRESHOLDS.backupStaleSeconds, 'BackupStale can fire on a stack that never backed up');
      assert.equal(value(s, M.lastFailureTimestamp), 0);
      for (const k of [M.lastDuration, M.lastBytes, M.lastObjects]) assert.equal(value(s, k), 0, k);
      assert.equal(value(s, M.statusReadable), 1);
      // A real success replaces it at the next scrape.
      const at = new Date(t - 60_000).toISOString();
      await updateStatus(dir, { lastSuccess: { at, kind: 'scheduled', bytes: 1234, objects: 7, durationMs: 2500 } });
      s = await scrape();
      assert.equal(value(s, M.lastSuccessTimestamp), seconds(at));
      assert.equal(value(s, M.lastDuration), 2.5);
      assert.equal(value(s, M.lastBytes), 1234);
      assert.equal(value(s, M.lastObjects), 7);
    });

    it('the live test\'s clock injection: status.json\'s last success rewritten to 27 h ago shows at the next scrape', async () => {
      const dir = await newDir();
      await updateStatus(dir, { lastSuccess: { at: new Date().toISOString(), kind: 'scheduled' } });
      const scrape = await serve(new JobMetrics({ backupDir: dir }));
      let s = await scrape();
      assert.ok(value(s, M.clock) - value(s, M.lastSuccessTimestamp) < 60);
      // What the live test does with `docker exec` (automation/backup/README.md, "Metrics").
      const r = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', `
        require('./automation/backup/status').updateStatus(process.argv[1], (s) => ({ lastSuccess: { ...s.lastSuccess, at: new Date(Date.now() - 27 * 3600e3).toISOString() } }))
          .catch((e) => { console.error(e.message); process.exit(1); });`, dir], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
      assert.equal(r.status, 0, r.stderr);
      s = await scrape();
      const age = value(s, M.clock) - value(s, M.lastSuccessTimestamp);
      assert.ok(age > THRESHOLDS.backupStaleSeconds && age < 27 * 3600 + 60, `age ${age}`);
    });

    it('a missing, unparsable or non-object status.json: status_readable 0, no crash, the last known values kept', async () => {
      const dir = await newDir();
      const startedAt = new Date('2026-02-01T00:00:00Z');
      const scrape = await serve(new JobMetrics({ backupDir: dir, startedAt }));
      let s = await scrape();
      assert.equal(value(s, M.statusReadable), 0, 'no file');
      assert.equal(value(s, M.lastSuccessTimestamp), startedAt.getTime() / 1000, 'never absent: the process start');
      const at = '2026-02-01T02:00:00.000Z';
      await updateStatus(dir, { lastSuccess: { at, kind: 'scheduled', bytes: 10 }, restores: { ok: 2 } });
      s = await scrape();
      assert.equal(value(s, M.statusReadable), 1);
      for (const bad of ['{"lastSuccess": {', '', '[]', 'null', '42']) {
        await fsp.writeFile(join(dir, STATUS_FILE), bad);
        s = await scrape();
        assert.equal(value(s, M.statusReadable), 0, JSON.stringify(bad));
        assert.equal(value(s, M.lastSuccessTimestamp), seconds(at), 'kept from the last good read');
        assert.equal(value(s, restores('ok')), 2);
      }
      // Parsable but hand-edited nonsense: readable, and each bad field treated as absent.
      await fsp.writeFile(join(dir, STATUS_FILE), JSON.stringify({ lastSuccess: { at: 'yesterday', bytes: 'many' }, lastFailure: { at: 5 }, failures: { config: -3, postgres: 'x' }, restores: { ok: 1.5e400 } }));
      s = await scrape();
      assert.equal(value(s, M.statusReadable), 1);
      assert.equal(value(s, M.lastSuccessTimestamp), startedAt.getTime() / 1000);
      assert.equal(value(s, M.lastBytes), 0);
      assert.equal(value(s, M.lastFailureTimestamp), 0);
      assert.equal(value(s, failures('config')), 0);
      assert.equal(value(s, restores('ok')), 0);
    });

    it('a failed run is counted under its stage; the counts live in status.json, so a restarted job keeps them', async () => {
      const dir = await newDir();
      const ctx: BackupContext = { stack: 'test', backupDir: dir };
      for (let i = 0; i < 2; i++) await assert.rejects(runBackup(ctx, { components: ['postgres'], kind: 'scheduled' }), /no postgres connection is configured/);
      const st = await readStatus(dir);
      assert.equal(st.lastFailure?.stage, 'config');
      let s = await (await serve(new JobMetrics({ backupDir: dir })))();
      assert.equal(value(s, failures('config')), 2);
      assert.equal(value(s, M.lastFailureTimestamp), seconds(st.lastFailure?.at));
      for (const r of FAILURE_REASONS.filter((x) => x !== 'config')) assert.equal(value(s, failures(r)), 0, r);
      // "Restart": a new process's metrics read the same totals.
      s = await (await serve(new JobMetrics({ backupDir: dir })))();
      assert.equal(value(s, failures('config')), 2);
      // The reason text stays in status.json; the label set never grows with it.
      assert.deepEqual([...s.keys()].filter((k) => k.startsWith(`${M.failures}{`)).length, FAILURE_REASONS.length);
    });

    it('writers in two processes at once lose no count (the status lock)', async () => {
      const dir = await newDir();
      const n = 150;
      // The child says when its module is loaded (ts-node takes seconds), so both loops overlap.
      const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', `
        const { recordRestore } = require('./automation/backup/status');
        process.stdout.write('ready\\n');
        (async () => { for (let i = 0; i < ${n}; i++) await recordRestore(process.argv[1], 'refused'); })()
          .catch((e) => { console.error(e.message); process.exit(1); });`, dir], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
      const exited = once(child, 'exit');
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (c: Buffer) => (c.toString().includes('ready') ? resolve() : undefined));
        child.on('exit', () => reject(new Error('child exited before it was ready')));
      });
      const mine: Array<Promise<unknown>> = [];
      for (let i = 0; i < n; i++) {
        mine.push(updateStatus(dir, { nextRun: new Date(i).toISOString() }));
        await recordRestore(dir, 'ok');
      }
      await Promise.all(mine);
      const [code] = (await exited) as [number];
      assert.equal(code, 0);
      const st = await readStatus(dir);
      assert.deepEqual(st.restores, { ok: n, refused: n });
      await assert.rejects(fsp.access(join(dir, '.status.lock')), 'the lock is gone');
    });
  });

  describe('runs and restores against real PostgreSQL and S3', function () {
    let env: Env;
    before(async function () {
      skipOrFail(this, missingPgReason());
      env = await startEnv();
      await seed(env.conn, env.s3.target);
    });
    after(async () => {
      await env?.stop();
    });

    it('after a success: its time, duration, bytes and objects; a failure after it makes BackupFailed\'s condition true', async () => {
      const ctx = env.ctx();
      const r = await runBackup(ctx, { components: ['postgres', 'minio'], kind: 'scheduled' });
      const scrape = await serve(new JobMetrics({ backupDir: ctx.backupDir }));
      let s = await scrape();
      const st = await readStatus(ctx.backupDir);
      assert.equal(value(s, M.lastSuccessTimestamp), seconds(st.lastSuccess?.at));
      assert.equal(value(s, M.lastDuration), r.backup.durationMs / 1000);
      assert.ok(value(s, M.lastDuration) > 0);
      assert.equal(value(s, M.lastBytes), r.backup.bytes);
      assert.equal(value(s, M.lastObjects), r.backup.manifest.objectCount);
      assert.equal(value(s, M.lastObjects), 13);
      assert.ok(!(value(s, M.lastFailureTimestamp) > value(s, M.lastSuccessTimestamp)));
      // Then the database refuses the job: counted under postgres, and newer than the success.
      await new Promise((res) => setTimeout(res, 5)); // two runs in one millisecond would tie
      await assert.rejects(runBackup({ ...ctx, postgres: { ...env.conn, password: 'wrong-password' } }, { components: ['postgres', 'minio'], kind: 'scheduled' }));
      s = await scrape();
      assert.equal(value(s, failures('postgres')), 1);
      assert.ok(value(s, M.lastFailureTimestamp) > value(s, M.lastSuccessTimestamp), 'BackupFailed: last failure after last success');
      assert.equal(value(s, M.lastBytes), r.backup.bytes, 'the last success is still the one before');
    });

    it('restores by outcome: ok, refused, rolled_back (failed; and killed, then recovered), each counted once', async () => {
      const ctx = env.ctx();
      const b = await runBackup(ctx, { components: ['postgres', 'minio'], kind: 'manual' });
      const scrape = await serve(new JobMetrics({ backupDir: ctx.backupDir }));
      const counts = async (): Promise<number[]> => {
        const s = await scrape();
        return RESTORE_OUTCOMES.map((o) => value(s, restores(o)));
      };
      assert.deepEqual(await counts(), [0, 0, 0]);
      await mutate(env.conn, env.s3.target);
      await restore(ctx, b.backup.file, { deferSafety: true });
      assert.deepEqual(await counts(), [1, 0, 0], 'ok');
      // The daemon's safety-archive write that follows does not count it again.
      await recoverInterrupted(ctx);
      assert.deepEqual(await counts(), [1, 0, 0]);
      await assert.rejects(restore({ ...ctx, s3: { ...env.s3.target, bucket: 'no-such-bucket' } }, b.backup.file), RestoreRefused);
      await assert.rejects(restore(ctx, 'backup_test_20000101_000000.tar.gz'));
      assert.deepEqual(await counts(), [1, 0, 2], 'refused: a target that cannot take it, an archive that is not there');
      await assert.rejects(restore(ctx, b.backup.file, { onStep: (step) => { if (step === 'objects') throw new Error('injected'); } }), (e: Error) => e instanceof RestoreFailed && e.rolledBack);
      assert.deepEqual(await counts(), [1, 1, 2], 'rolled back by the restore itself');
      // Killed mid-way: nobody counts it until the recovery (here the recover entry point; in the job, the daemon) rolls it back.
      const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', join(__dirname, 'support', 'restore-child.ts')], {
        env: { ...process.env, IMSTACK_TEST_CTX: JSON.stringify(ctx), IMSTACK_TEST_FILE: b.backup.file, IMSTACK_TEST_STOP_AT: 'objects' },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          if (out.includes('AT objects')) resolve();
          if (/ERROR|DONE/.test(out)) reject(new Error(`child did not stop: ${out}`));
        });
        child.on('exit', () => reject(new Error(`child exited early: ${out}`)));
      });
      child.kill('SIGKILL');
      await once(child, 'exit');
      assert.ok(await readJournal(ctx.backupDir));
      assert.deepEqual(await counts(), [1, 1, 2]);
      assert.ok(await recoverInterrupted(ctx));
      assert.deepEqual(await counts(), [1, 2, 2], 'rolled back by the recovery');
      assert.equal(await recoverInterrupted(ctx), undefined);
      assert.deepEqual(await counts(), [1, 2, 2]);
    });
  });
});
