// The job daemon settling what a killed restore left (settle.ts): the restore runs as the job
// runs it (`main.js restore --hooks stdio`, hooks answered over stdin as imctl does), is
// SIGKILLed at a hook, and one Settler tick must then roll back or forward, lift the page
// through the (fake) engine and leave nothing pending. Real PostgreSQL and S3.
import { strict as assert } from 'assert';
import { ChildProcessWithoutNullStreams, spawn } from 'child_process';
import { once } from 'events';
import { get } from 'http';
import { createServer } from 'net';
import { join } from 'path';
import { backup } from '../../../automation/backup/backup';
import { BACKUP_METRICS, METRICS_PORT_ENV, RESTORE_LABEL } from '../../../automation/backup/contract';
import type { BackupContext } from '../../../automation/backup/context';
import { readJournal } from '../../../automation/backup/journal';
import { restore } from '../../../automation/backup/restore';
import { ENTER_SETTLE_MS, Settler } from '../../../automation/backup/settle';
import { MAINTENANCE_FLAG } from '../../../automation/backup/site';
import { readMaintenance, readStatus, writeMaintenance } from '../../../automation/backup/status';
import { listLocal } from '../../../automation/backup/store';
import { Env, missingPgReason, skipOrFail, startEnv } from './support/env';
import { fingerprint, mutate, seed } from './support/fixture';
import { FakeEngine, siteContainers } from './support/fakeEngine';

const MAIN = join(__dirname, '..', '..', '..', 'automation', 'backup', 'main.ts');

/** The job's environment for ctx, as components/backupJob.ts sets it. */
function jobEnv(ctx: BackupContext): NodeJS.ProcessEnv {
  const pg = ctx.postgres;
  const s3 = ctx.s3;
  if (!pg || !s3) throw new Error('postgres and s3 needed');
  return {
    ...process.env,
    STACK: ctx.stack, BACKUP_DIR: ctx.backupDir, BACKUP_KEY: ctx.backupKey ?? '',
    PGHOST: pg.host, PGPORT: String(pg.port), PGUSER: pg.user, PGPASSWORD: pg.password, PGDATABASE: pg.database, PG_BIN_DIR: pg.binDir ?? '',
    S3_ENDPOINT: s3.endPoint, S3_PORT: String(s3.port), S3_USE_SSL: 'false', S3_ACCESS_KEY: s3.accessKey, S3_SECRET_KEY: s3.secretKey, S3_BUCKET: s3.bucket,
    // The daemon's listener stays off unless a test gives it a port of its own.
    [METRICS_PORT_ENV]: '0',
  };
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((res) => srv.listen(0, '127.0.0.1', res));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((res) => srv.close(() => res()));
  return port;
}

function scrape(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: '/metrics', timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`status ${res.statusCode}: ${body}`))));
    }).on('error', reject);
  });
}

/**
 * `main.js --json restore <file> --hooks stdio --defer-safety`, answering hooks until `stopAt`,
 * which it leaves unanswered (the restore waits there, holding its lock).
 */
async function restoreStoppedAt(ctx: BackupContext, file: string, stopAt: { hook: 'enterMaintenance' | 'leaveMaintenance' }): Promise<{ kill(): Promise<void> }> {
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', MAIN, '--json', 'restore', file, '--hooks', 'stdio', '--defer-safety'], { env: jobEnv(ctx) });
  let out = '';
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      for (;;) {
        const nl = out.indexOf('\n');
        if (nl < 0) break;
        const line = out.slice(0, nl);
        out = out.slice(nl + 1);
        const e = JSON.parse(line) as { type: string; name?: string; message?: string };
        if (e.type === 'hook' && e.name === stopAt.hook) return resolve();
        if (e.type === 'hook') child.stdin.write('{"ok":true}\n');
        if (e.type === 'result' || e.type === 'error') return reject(new Error(`restore ended before ${stopAt.hook}: ${line}`));
      }
    });
    child.on('exit', (code) => reject(new Error(`restore exited ${code} before ${stopAt.hook}: ${err}`)));
  });
  return {
    kill: async () => {
      child.kill('SIGKILL');
      if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
    },
  };
}

/** The same, SIGKILLed at that hook (as when the job container's main process is killed). */
async function restoreKilledAt(ctx: BackupContext, file: string, killAt: { hook: 'enterMaintenance' | 'leaveMaintenance' }): Promise<void> {
  await (await restoreStoppedAt(ctx, file, killAt)).kill();
}

describe('the job daemon settles a killed restore by itself (settle.ts)', function () {
  this.timeout(120_000);
  let env: Env;
  before(async function () {
    skipOrFail(this, missingPgReason());
    env = await startEnv();
    await seed(env.conn, env.s3.target);
  });
  after(async () => {
    await env?.stop();
  });

  it('killed while waiting for "maintenance entered": rolled back at once, the page lifted once the caller\'s stops are over', async function () {
    const ctx = env.ctx();
    const b = await backup(ctx, { components: ['postgres', 'minio'] });
    await mutate(env.conn, env.s3.target);
    const previous = await fingerprint(env.conn, env.s3.target);
    await restoreKilledAt(ctx, b.file, { hook: 'enterMaintenance' });
    const m = await readMaintenance(ctx.backupDir);
    assert.equal(m?.entered, false, 'the record says imctl had not answered yet');
    assert.equal(m?.reason, `restore of ${b.file}`);
    assert.equal((await readJournal(ctx.backupDir))?.phase, 'prepared');

    const engine = new FakeEngine(siteContainers());
    let now = Date.parse(m?.since ?? '') + 1000;
    const logs: string[] = [];
    const settler = new Settler(ctx, { site: engine, log: (l) => logs.push(l), now: () => now, liftTimeoutMs: 5000 });
    await settler.tick();
    assert.equal(await readJournal(ctx.backupDir), undefined, 'rolled back on the first tick');
    assert.deepEqual(await fingerprint(env.conn, env.s3.target), previous);
    assert.equal(engine.calls.length, 0, 'the page stays while imctl may still be stopping backends');
    assert.ok(logs.some((l) => /lifting it in \d+s/.test(l)), logs.join('\n'));

    now += ENTER_SETTLE_MS;
    await settler.tick();
    assert.ok(engine.calls.includes(`exec imstack-test-nginx: rm -f ${MAINTENANCE_FLAG}`), engine.calls.join('\n'));
    assert.ok(engine.calls.indexOf('start imstack-test-backend-1') < engine.calls.indexOf(`exec imstack-test-nginx: rm -f ${MAINTENANCE_FLAG}`));
    assert.equal(await readMaintenance(ctx.backupDir), undefined);
    assert.ok(logs.some((l) => /interrupted restore of .* rolled back \(it had reached phase prepared\)/.test(l)), logs.join('\n'));
    assert.ok(logs.some((l) => /maintenance page lifted .* healthy/.test(l)), logs.join('\n'));
    await restore(ctx, b.file); // back to the seeded state for the next test
  });

  it('killed after its commit, while imctl was to lift the page: the page is lifted first, then the safety archive written', async function () {
    const ctx = env.ctx();
    const b = await backup(ctx, { components: ['postgres', 'minio'] });
    const restored = await fingerprint(env.conn, env.s3.target);
    await mutate(env.conn, env.s3.target);
    await restoreKilledAt(ctx, b.file, { hook: 'leaveMaintenance' });
    assert.equal((await readMaintenance(ctx.backupDir))?.entered, true);
    const j = await readJournal(ctx.backupDir);
    assert.equal(j?.phase, 'committed');

    const engine = new FakeEngine(siteContainers());
    const order: string[] = [];
    const settler = new Settler(ctx, { site: engine, log: (l) => order.push(l), liftTimeoutMs: 5000 });
    await settler.tick();
    assert.equal(await readMaintenance(ctx.backupDir), undefined, 'lifted without waiting: imctl had entered maintenance');
    assert.equal(await readJournal(ctx.backupDir), undefined, 'safety archive written in the same tick');
    assert.ok(order.findIndex((l) => /maintenance page lifted/.test(l)) < order.findIndex((l) => /safety archive written/.test(l)), order.join('\n'));
    assert.deepEqual(await fingerprint(env.conn, env.s3.target), restored, 'rolled forward, not back');
    assert.ok((await listLocal(ctx.backupDir, ctx.stack)).some((a) => a.file === j?.safety));
  });

  it('the job daemon (`main.js job`) rolls an interrupted restore back as it starts, not at the next scheduled run', async function () {
    const ctx = env.ctx();
    const b = await backup(ctx, { components: ['postgres', 'minio'] });
    await mutate(env.conn, env.s3.target);
    const previous = await fingerprint(env.conn, env.s3.target);
    await restoreKilledAt(ctx, b.file, { hook: 'enterMaintenance' });
    assert.equal((await readJournal(ctx.backupDir))?.phase, 'prepared');
    const started = Date.now();
    // Scheduled far away: only the start-up can resolve it. No socket: the page is reported, not lifted.
    const port = await freePort();
    const job = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', MAIN, 'job'], {
      env: { ...jobEnv(ctx), BACKUP_SCHEDULE: '0 2 1 1 *', DOCKER_SOCKET: join(ctx.backupDir, 'no-such.sock'), [METRICS_PORT_ENV]: String(port) },
    });
    let out = '';
    let exitCode: number | null = null;
    job.stdout.on('data', (c: Buffer) => (out += c.toString()));
    job.stderr.on('data', (c: Buffer) => (out += c.toString()));
    try {
      for (let i = 0; i < 600 && !/rolled back/.test(out); i++) await new Promise((r) => setTimeout(r, 100));
      assert.match(out, /interrupted restore of .* rolled back \(it had reached phase prepared\)/, out);
      console.log(`      rolled back ${((Date.now() - started) / 1000).toFixed(1)} s after the job started (ts-node start-up included)`);
      assert.equal(await readJournal(ctx.backupDir), undefined);
      assert.deepEqual(await fingerprint(env.conn, env.s3.target), previous);
      for (let i = 0; i < 100 && !/no Docker socket to lift it/.test(out); i++) await new Promise((r) => setTimeout(r, 100));
      assert.match(out, /no Docker socket at .*no-such\.sock/);
      assert.match(out, /the site is still in maintenance \(restore of .*\) and this container has no Docker socket to lift it/);
      // The daemon counted the rollback in status.json, and its own /metrics shows it (issue 14).
      assert.equal((await readStatus(ctx.backupDir)).restores?.rolled_back, 1);
      assert.match(out, new RegExp(`metrics on :${port}/metrics`));
      const text = await scrape(port);
      assert.match(text, new RegExp(`^${BACKUP_METRICS.restores}\\{${RESTORE_LABEL}="rolled_back"\\} 1$`, 'm'), text);
      assert.match(text, new RegExp(`^${BACKUP_METRICS.statusReadable} 1$`, 'm'));
      // No backup ran through the scheduler yet: the last success is when the daemon first started.
      const first = Date.parse((await readStatus(ctx.backupDir)).firstStartedAt ?? '') / 1000;
      assert.match(text, new RegExp(`^${BACKUP_METRICS.lastSuccessTimestamp} ${first}$`, 'm'));
    } finally {
      job.kill('SIGTERM');
      [exitCode] = (await once(job, 'exit')) as [number | null];
    }
    assert.equal(exitCode, 0, `the daemon stops cleanly on SIGTERM, its listener closed: ${out}`);
    await restore(ctx, b.file); // back to the seeded state for the next test
  });

  it('leaves a running restore alone: its lock is live', async function () {
    const ctx = env.ctx();
    const b = await backup(ctx, { components: ['postgres', 'minio'] });
    // The restore waits for "maintenance entered" in its own process, holding the lock.
    const running = await restoreStoppedAt(ctx, b.file, { hook: 'enterMaintenance' });
    try {
      const engine = new FakeEngine(siteContainers());
      await writeMaintenance(ctx.backupDir, { since: new Date().toISOString(), reason: `restore of ${b.file}`, entered: true });
      await new Settler(ctx, { site: engine, log: () => undefined }).tick();
      assert.equal((await readJournal(ctx.backupDir))?.phase, 'prepared', 'not rolled back under the running restore');
      assert.ok(await readMaintenance(ctx.backupDir), 'not lifted under the running restore');
      assert.equal(engine.calls.length, 0, engine.calls.join('\n'));
    } finally {
      await running.kill();
    }
    await new Settler(ctx, { site: new FakeEngine(siteContainers()), log: () => undefined }).tick();
    assert.equal(await readJournal(ctx.backupDir), undefined);
  });

  it('without a Docker socket: the data is settled, the page is reported once, not lifted; a failed lift is recorded', async function () {
    const ctx = env.ctx();
    const b = await backup(ctx, { components: ['postgres', 'minio'] });
    await restoreKilledAt(ctx, b.file, { hook: 'leaveMaintenance' });
    const logs: string[] = [];
    const blind = new Settler(ctx, { log: (l) => logs.push(l) });
    await blind.tick();
    await blind.tick();
    assert.equal(await readJournal(ctx.backupDir), undefined);
    assert.ok(await readMaintenance(ctx.backupDir));
    assert.equal(logs.filter((l) => /no Docker socket to lift it/.test(l)).length, 1, logs.join('\n'));

    const broken = new FakeEngine(siteContainers());
    broken.execExit = 1;
    const failing = new Settler(ctx, { site: broken, log: (l) => logs.push(l), liftTimeoutMs: 5000 });
    await failing.tick();
    const m = await readMaintenance(ctx.backupDir);
    assert.match(m?.problem?.message ?? '', /rm -f .* exited 1/);
    assert.ok(logs.some((l) => /lifting the maintenance page FAILED \(retry in 1 min\)/.test(l)), logs.join('\n'));
  });
});
