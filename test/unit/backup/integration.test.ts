import { strict as assert } from 'assert';
import { spawn } from 'child_process';
import { createHash } from 'crypto';
import { once } from 'events';
import { promises as fsp } from 'fs';
import { join } from 'path';
import { backup, BackupResult } from '../../../automation/backup/backup';
import type { BackupContext, RemoteTarget } from '../../../automation/backup/context';
import { readJournal } from '../../../automation/backup/journal';
import { downloadFromRemote, listRemote } from '../../../automation/backup/remote';
import { finishPendingRestore, recoverInterrupted, restore, RestoreFailed } from '../../../automation/backup/restore';
import { runBackup } from '../../../automation/backup/run';
import { startScheduler } from '../../../automation/backup/scheduler';
import { readStatus } from '../../../automation/backup/status';
import { editJson, rewriteArchive } from './support/tamper';
import { startS3 } from './support/s3-server';
import { verify } from '../../../automation/backup/verify';
import { readInfo } from '../../../automation/backup/store';
import { s3Client } from '../../../automation/backup/objects';
import { Env, missingPgReason, skipOrFail, startEnv } from './support/env';
import { Fingerprint, fingerprint, fingerprintDb, fingerprintObjects, mutate, pgClient, seed } from './support/fixture';

describe('backup engine against real PostgreSQL and S3', function () {
  this.timeout(60_000);
  let env: Env;

  before(async function () {
    skipOrFail(this, missingPgReason());
    env = await startEnv();
    await seed(env.conn, env.s3.target);
  });
  after(async () => {
    await env?.stop();
  });

  it('backs up, and a restore after mutations brings back exactly the backed-up state', async () => {
    const ctx = env.ctx();
    const before = await fingerprint(env.conn, env.s3.target);
    const b = await backup(ctx, { components: ['postgres', 'minio'] });
    assert.match(b.file, /^backup_test_\d{8}_\d{6}\.tar\.gz\.enc$/);
    assert.equal(b.manifest.objectCount, 13);
    assert.equal(b.manifest.rowCounts['public.messages'], 2000);
    await verify(ctx, b.file);
    assert.equal((await readInfo(b.path))?.lastVerified?.ok, true);

    await mutate(env.conn, env.s3.target);
    assert.notDeepEqual(await fingerprint(env.conn, env.s3.target), before);

    const steps: string[] = [];
    const hooks = { enterMaintenance: async () => void steps.push('enter'), leaveMaintenance: async () => void steps.push('leave') };
    // Restored after a key rotation: the archive's key is now among the previous keys.
    const rotated: BackupContext = { ...ctx, backupKey: 'key-after-rotation', previousKeys: ['unrelated-old-key', ctx.backupKey as string] };
    const r = await restore(rotated, b.file, { hooks });
    assert.deepEqual(steps, ['enter', 'leave']);
    assert.equal(r.removedObjects, 1);
    assert.deepEqual(await fingerprint(env.conn, env.s3.target), before);
    // Only the live database is left: staging and previous copies are gone.
    const dbs = await pgClient(env.conn, 'postgres');
    const names = (await dbs.query<{ datname: string }>('SELECT datname FROM pg_database')).rows.map((x) => x.datname);
    await dbs.end();
    assert.deepEqual(names.filter((n) => n.startsWith(env.conn.database)), [env.conn.database]);
    // The safety backup holds the mutated state and is itself a valid archive (under the new key).
    await verify(rotated, r.safety);
  });
});

describe('restore refuses bad input before changing anything', function () {
  this.timeout(60_000);
  let env: Env;
  let ctx: BackupContext;
  let plainCtx: BackupContext;
  let good: BackupResult;
  let plain: BackupResult;
  let live: Fingerprint;
  let dbNames: string[];

  async function databases(): Promise<string[]> {
    const c = await pgClient(env.conn, 'postgres');
    const r = (await c.query<{ datname: string }>('SELECT datname FROM pg_database ORDER BY 1')).rows.map((x) => x.datname);
    await c.end();
    return r;
  }

  before(async function () {
    skipOrFail(this, missingPgReason());
    env = await startEnv();
    await seed(env.conn, env.s3.target);
    ctx = env.ctx();
    plainCtx = { ...ctx, backupKey: undefined };
    good = await backup(ctx, { components: ['postgres', 'minio'] });
    plain = await backup(plainCtx, { components: ['postgres', 'minio'] });
    await mutate(env.conn, env.s3.target);
    live = await fingerprint(env.conn, env.s3.target);
    dbNames = await databases();
  });
  after(async () => {
    await env?.stop();
  });

  async function refused(c: BackupContext, file: string, pattern: RegExp): Promise<void> {
    let entered = false;
    const hooks = { enterMaintenance: async () => void (entered = true), leaveMaintenance: async () => undefined };
    await assert.rejects(restore(c, file, { hooks }), (e: Error) => {
      assert.match(e.message, pattern);
      return true;
    });
    assert.equal(entered, false, 'maintenance must not be entered for a refused archive');
    assert.deepEqual(await fingerprint(env.conn, env.s3.target), live);
    assert.deepEqual(await databases(), dbNames);
    const safety = (await fsp.readdir(c.backupDir)).filter((f) => f.startsWith('backup_'));
    assert.ok(!safety.some((f) => f !== good.file && f !== plain.file && !f.includes('.info') && !(f in forged)), `no safety backup for a refused archive: ${safety}`);
  }
  const forged: Record<string, true> = {};
  async function forge(suffix: string, src: BackupResult, transform: (buf: Buffer) => Buffer): Promise<string> {
    const name = src.file.replace(/_(\d{6})\./, (_m, t: string) => `_${String(Number(t) + 1000 + Object.keys(forged).length).padStart(6, '0')}.`);
    forged[name] = true;
    await fsp.writeFile(join(ctx.backupDir, name), transform(await fsp.readFile(src.path)));
    void suffix;
    return name;
  }

  it('a flipped byte', async () => {
    const f = await forge('flip', good, (b) => {
      const c = Buffer.from(b);
      c[Math.floor(c.length / 2)] ^= 0x10;
      return c;
    });
    await refused(ctx, f, /authentication|corrupt/);
  });

  it('a flipped byte in an unencrypted archive', async () => {
    const f = await forge('flip-plain', plain, (b) => {
      const c = Buffer.from(b);
      c[Math.floor(c.length / 2)] ^= 0x10;
      return c;
    });
    await refused(plainCtx, f, /corrupt|sha256|does not match|invalid/i);
  });

  it('a truncated archive', async () => {
    const f = await forge('trunc', good, (b) => b.subarray(0, Math.floor(b.length * 0.6)));
    await refused(ctx, f, /truncated|authentication/);
    const g = await forge('trunc-plain', plain, (b) => b.subarray(0, b.length - 100));
    await refused(plainCtx, g, /truncated|corrupt|unexpected end/i);
  });

  it('a wrong key', async () => {
    await refused({ ...ctx, backupKey: 'not-the-key' }, good.file, /wrong backup key/);
    // Previous keys that do not match either: still the wrong-key refusal, nothing touched.
    await refused({ ...ctx, backupKey: 'not-the-key', previousKeys: ['nor-this', 'nor-that'] }, good.file, /wrong backup key.*2 previous keys/);
  });

  it('an archive written before a key rotation verifies with the old key among BACKUP_PREVIOUS_KEYS', async () => {
    const rotated = { ...ctx, backupKey: 'the-new-key', previousKeys: ['some-older-key', ctx.backupKey as string] };
    const r = await verify(rotated, good.file);
    assert.equal(r.manifest.stack, ctx.stack);
  });

  it('a manifest whose checksums do not match', async () => {
    const f = join(ctx.backupDir, 'backup_test_20200101_000000.tar.gz.enc');
    forged['backup_test_20200101_000000.tar.gz.enc'] = true;
    await rewriteArchive(good.path, f, ctx.backupKey, (name, data) =>
      name === 'manifest.json'
        ? editJson(data, (m) => {
            const e = (m.entries as { name: string; sha256: string }[]).find((x) => x.name === 'postgres.dump');
            if (e) e.sha256 = 'ab'.repeat(32);
          })
        : data,
    );
    await refused(ctx, 'backup_test_20200101_000000.tar.gz.enc', /postgres\.dump.*sha256 does not match/);
  });

  it('an object changed inside the archive (consistent tar, stale manifest)', async () => {
    forged['backup_test_20200101_000001.tar.gz.enc'] = true;
    await rewriteArchive(good.path, join(ctx.backupDir, 'backup_test_20200101_000001.tar.gz.enc'), ctx.backupKey, (name, data) =>
      name === 'objects/uploads/1/file 1.bin' ? Buffer.from('evil') : data,
    );
    await refused(ctx, 'backup_test_20200101_000001.tar.gz.enc', /file 1\.bin.*(bytes|sha256)/);
  });

  it('an archive from another stack', async () => {
    forged['backup_test_20200101_000002.tar.gz.enc'] = true;
    await rewriteArchive(good.path, join(ctx.backupDir, 'backup_test_20200101_000002.tar.gz.enc'), ctx.backupKey, (name, data) =>
      name === 'header.json' || name === 'manifest.json' ? editJson(data, (m) => (m.stack = 'prod')) : data,
    );
    await refused(ctx, 'backup_test_20200101_000002.tar.gz.enc', /belongs to stack "prod", not "test"/);
  });

  it('an unknown format version', async () => {
    forged['backup_test_20200101_000003.tar.gz.enc'] = true;
    await rewriteArchive(good.path, join(ctx.backupDir, 'backup_test_20200101_000003.tar.gz.enc'), ctx.backupKey, (name, data) =>
      name === 'header.json' || name === 'manifest.json' ? editJson(data, (m) => (m.formatVersion = 99)) : data,
    );
    await refused(ctx, 'backup_test_20200101_000003.tar.gz.enc', /unknown archive format version 99/);
  });

  it('a missing file', async () => {
    await refused(ctx, 'backup_test_19990101_000000.tar.gz.enc', /not found/);
    await refused(ctx, '/nonexistent/dir/backup_test_19990101_000000.tar.gz', /not found/);
  });

  it('a dump pg_restore cannot read (with a matching manifest)', async () => {
    forged['backup_test_20200101_000004.tar.gz.enc'] = true;
    const junk = Buffer.from('PGDMP but not really a dump');
    const sha = createHash('sha256').update(junk).digest('hex');
    await rewriteArchive(good.path, join(ctx.backupDir, 'backup_test_20200101_000004.tar.gz.enc'), ctx.backupKey, (name, data) => {
      if (name === 'postgres.dump') return junk;
      if (name === 'manifest.json') {
        return editJson(data, (m) => {
          const e = (m.entries as { name: string; sha256: string; size: number }[]).find((x) => x.name === 'postgres.dump');
          if (e) Object.assign(e, { sha256: sha, size: junk.length });
        });
      }
      return data;
    });
    await refused(ctx, 'backup_test_20200101_000004.tar.gz.enc', /pg_restore --list rejects the dump/);
  });
});

describe('restore: partial, interrupted and failing restores', function () {
  this.timeout(60_000);
  let env: Env;
  async function databaseNames(): Promise<string[]> {
    const c = await pgClient(env.conn, 'postgres');
    const r = (await c.query<{ datname: string }>('SELECT datname FROM pg_database')).rows.map((x) => x.datname);
    await c.end();
    return r;
  }

  before(async function () {
    skipOrFail(this, missingPgReason());
    env = await startEnv();
    await seed(env.conn, env.s3.target);
  });
  after(async () => {
    await env?.stop();
  });

  it('--postgres-only restores the tables and leaves the objects untouched', async () => {
    const ctx = env.ctx();
    const at = await fingerprint(env.conn, env.s3.target);
    const b = await backup(ctx, { components: ['postgres', 'minio'] });
    await mutate(env.conn, env.s3.target);
    const mutatedObjects = await fingerprintObjects(env.s3.target);
    await restore(ctx, b.file, { postgresOnly: true });
    assert.deepEqual(await fingerprintDb(env.conn), at.tables);
    assert.deepEqual(await fingerprintObjects(env.s3.target), mutatedObjects);
    // and --minio-only then brings the objects back too
    await restore(ctx, b.file, { minioOnly: true });
    assert.deepEqual(await fingerprint(env.conn, env.s3.target), at);
  });

  for (const stopAt of ['postgres-staging', 'objects', 'commit'] as const) {
    it(`a restore killed at "${stopAt}" leaves the previous data serving after the next start`, async () => {
      const ctx = env.ctx();
      const b = await backup(ctx, { components: ['postgres', 'minio'] });
      await mutate(env.conn, env.s3.target);
      const previous = await fingerprint(env.conn, env.s3.target);
      const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', join(__dirname, 'support', 'restore-child.ts')], {
        env: { ...process.env, IMSTACK_TEST_CTX: JSON.stringify(ctx), IMSTACK_TEST_FILE: b.file, IMSTACK_TEST_STOP_AT: stopAt },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          if (out.includes(`AT ${stopAt}`)) resolve();
          if (/ERROR|DONE/.test(out)) reject(new Error(`child did not stop: ${out}`));
        });
        child.on('exit', () => reject(new Error(`child exited early: ${out}`)));
      });
      child.kill('SIGKILL');
      await once(child, 'exit');
      // The journal is there; a new run (here: the recover entry point) resolves it.
      assert.ok(await readJournal(ctx.backupDir), 'journal left behind by the killed restore');
      const recovered = await recoverInterrupted(ctx);
      assert.ok(recovered);
      assert.equal(await readJournal(ctx.backupDir), undefined);
      assert.deepEqual(await fingerprint(env.conn, env.s3.target), previous);
      const c = await pgClient(env.conn, 'postgres');
      const names = (await c.query<{ datname: string }>('SELECT datname FROM pg_database')).rows.map((x) => x.datname);
      await c.end();
      assert.deepEqual(names.filter((n) => n.startsWith(env.conn.database)), [env.conn.database]);
      // And a normal restore afterwards still works.
      await restore(ctx, b.file);
    });
  }

  it('objects already equal are left alone; changed bytes and a metadata-only change are restored', async () => {
    const ctx = env.ctx();
    const at = await fingerprint(env.conn, env.s3.target);
    const b = await backup(ctx, { components: ['postgres', 'minio'] });
    await mutate(env.conn, env.s3.target); // 1 removed, 1 added, 1 overwritten
    // Same bytes, other metadata: the ETag matches, only the metadata check can tell.
    const client = s3Client(env.s3.target);
    const body = Buffer.from(await readAllBytes(await client.getObject(env.s3.target.bucket, 'uploads/5/file 5.bin')));
    await client.putObject(env.s3.target.bucket, 'uploads/5/file 5.bin', body, body.length, { 'Content-Type': 'text/html', 'x-amz-meta-owner': 'mallory' });
    const r = await restore(ctx, b.file);
    assert.deepEqual(await fingerprint(env.conn, env.s3.target), at);
    assert.equal(r.objectCount, 13);
    assert.equal(r.uploadedObjects, 3, 'the removed, the overwritten and the re-labelled object');
    assert.equal(r.unchangedObjects, 10);
    assert.equal(r.removedObjects, 1);
  });

  it('an archive without recorded ETags (written before they were) is compared by MD5 and restores exactly', async () => {
    const ctx = env.ctx();
    const at = await fingerprint(env.conn, env.s3.target);
    const b = await backup(ctx, { components: ['postgres', 'minio'] });
    const older = b.file.replace(/_(\d{6})\./, (_m, t: string) => `_${String((Number(t) + 7) % 1000000).padStart(6, '0')}.`);
    await rewriteArchive(b.path, join(ctx.backupDir, older), ctx.backupKey, (_n, data) => data, (_n, pax) => {
      delete pax['IMSTACK.etag'];
      return pax;
    });
    await mutate(env.conn, env.s3.target); // 1 removed, 1 added, 1 overwritten
    const r = await restore(ctx, older);
    assert.deepEqual(await fingerprint(env.conn, env.s3.target), at);
    assert.equal(r.uploadedObjects, 2);
    assert.equal(r.unchangedObjects, 11);
  });

  it('objects bigger than the in-memory limit: a deleted one comes from the spool, a same-size overwrite from the archive', async () => {
    const ctx = env.ctx();
    const client = s3Client(env.s3.target);
    const big = (seed: number): Buffer => Buffer.alloc(5 * 1024 * 1024, seed);
    await client.putObject(env.s3.target.bucket, 'big/a.bin', big(1), big(1).length, { 'Content-Type': 'video/mp4' });
    await client.putObject(env.s3.target.bucket, 'big/b.bin', big(2), big(2).length, { 'Content-Type': 'video/mp4' });
    const at = await fingerprint(env.conn, env.s3.target);
    const b = await backup(ctx, { components: ['postgres', 'minio'] });
    await client.removeObject(env.s3.target.bucket, 'big/a.bin');
    await client.putObject(env.s3.target.bucket, 'big/b.bin', big(3), big(3).length, { 'Content-Type': 'video/mp4' });
    const r = await restore(ctx, b.file);
    assert.deepEqual(await fingerprint(env.conn, env.s3.target), at);
    assert.equal(r.uploadedObjects, 2);
    // The safety archive holds the state before the restore: b.bin with the overwritten bytes, no a.bin.
    await restore(ctx, r.safety, { minioOnly: true });
    const objs = await fingerprintObjects(env.s3.target);
    assert.equal(objs['big/a.bin'], undefined);
    assert.equal(objs['big/b.bin']?.split(' ')[0], createHash('sha256').update(big(3)).digest('hex'));
    await client.removeObjects(env.s3.target.bucket, ['big/a.bin', 'big/b.bin']);
  });

  it('deferSafety: back in service first; the safety archive, written afterwards from the kept database and saved objects, restores the pre-restore state exactly', async () => {
    const ctx = env.ctx();
    const b = await backup(ctx, { components: ['postgres', 'minio'] });
    const restoredState = await fingerprint(env.conn, env.s3.target);
    await mutate(env.conn, env.s3.target);
    const mutated = await fingerprint(env.conn, env.s3.target);
    const r = await restore(ctx, b.file, { deferSafety: true });
    assert.equal(r.safetyPending, true);
    assert.deepEqual(await fingerprint(env.conn, env.s3.target), restoredState);
    const j = await readJournal(ctx.backupDir);
    assert.equal(j?.phase, 'committed');
    await assert.rejects(fsp.access(join(ctx.backupDir, r.safety)), 'not written yet');
    assert.ok((await databaseNames()).includes(j?.previous as string), 'the previous database is kept until the safety archive exists');
    const done = await finishPendingRestore(ctx);
    assert.ok(done && done.safety === r.safety);
    assert.equal(await readJournal(ctx.backupDir), undefined);
    assert.deepEqual((await databaseNames()).filter((n) => n.startsWith(env.conn.database)), [env.conn.database]);
    assert.equal((await readInfo(join(ctx.backupDir, r.safety)))?.kind, 'safety');
    await verify(ctx, r.safety);
    // The safety archive is a complete archive of the mutated state: restoring it brings that back.
    const back = await restore(ctx, r.safety);
    assert.deepEqual(await fingerprint(env.conn, env.s3.target), mutated);
    assert.equal(back.safetyPending, false);
    await restore(ctx, b.file); // back to the seeded state for the next test
  });

  it('a restore killed after its commit is rolled forward: restored data stays, the safety archive is completed', async () => {
    const ctx = env.ctx();
    const b = await backup(ctx, { components: ['postgres', 'minio'] });
    const restoredState = await fingerprint(env.conn, env.s3.target);
    await mutate(env.conn, env.s3.target);
    const mutated = await fingerprint(env.conn, env.s3.target);
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', join(__dirname, 'support', 'restore-child.ts')], {
      env: { ...process.env, IMSTACK_TEST_CTX: JSON.stringify(ctx), IMSTACK_TEST_FILE: b.file, IMSTACK_TEST_STOP_AT: 'safety-archive' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes('AT safety-archive')) resolve();
        if (/ERROR|DONE/.test(out)) reject(new Error(`child did not stop: ${out}`));
      });
      child.on('exit', () => reject(new Error(`child exited early: ${out}`)));
    });
    child.kill('SIGKILL');
    await once(child, 'exit');
    assert.deepEqual(await fingerprint(env.conn, env.s3.target), restoredState);
    const j = await readJournal(ctx.backupDir);
    assert.equal(j?.phase, 'committed');
    await recoverInterrupted(ctx);
    assert.deepEqual(await fingerprint(env.conn, env.s3.target), restoredState, 'rolled forward, not back');
    await verify(ctx, j?.safety as string);
    await restore(ctx, j?.safety as string);
    assert.deepEqual(await fingerprint(env.conn, env.s3.target), mutated);
    await restore(ctx, b.file);
  });

  it('an upload failing mid-way, with others in flight, rolls back every object and the database', async () => {
    const ctx = env.ctx();
    const b = await backup(ctx, { components: ['postgres', 'minio'] });
    await mutate(env.conn, env.s3.target);
    // Every seeded object differs now, so the restore has a dozen uploads to make and to undo.
    const client = s3Client(env.s3.target);
    for (let i = 0; i < 12; i++) await client.putObject(env.s3.target.bucket, `uploads/${i}/file ${i}.bin`, Buffer.from(`changed ${i}`), 9 + String(i).length);
    const previous = await fingerprint(env.conn, env.s3.target);
    let started = 0;
    const left: string[] = [];
    await assert.rejects(
      restore(ctx, b.file, {
        hooks: { enterMaintenance: async () => undefined, leaveMaintenance: async () => void left.push('leave') },
        beforeUpload: async () => {
          // The 6th upload fails while earlier ones are still running (they are slowed down).
          if (++started === 6) throw new Error('S3 said no');
          await new Promise((r) => setTimeout(r, 50));
        },
      }),
      (e: Error) => e instanceof RestoreFailed && e.rolledBack && /failed during objects: S3 said no; the previous data is back in service/.test(e.message),
    );
    assert.ok(started >= 6);
    assert.deepEqual(left, ['leave']);
    // Any upload still in flight at the failure finished before the rollback, not after it.
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(await fingerprint(env.conn, env.s3.target), previous);
    assert.equal(await readJournal(ctx.backupDir), undefined);
    await restore(ctx, b.file); // back to the seeded state for the next test
  });

  it('a failing safety backup leaves everything untouched and maintenance never entered', async () => {
    const ctx = env.ctx();
    const b = await backup(ctx, { components: ['postgres', 'minio'] });
    await mutate(env.conn, env.s3.target);
    const previous = await fingerprint(env.conn, env.s3.target);
    // The copies of the objects about to change cannot be written (a failing disk): the work
    // folder they go to turns into a file just before. (A missing bucket is refused earlier,
    // by the pre-flight: restore-preflight.test.ts.)
    const breakDisk = async (s: string): Promise<void> => {
      if (s !== 'safety-backup') return;
      await fsp.rm(join(ctx.backupDir, '.restore'), { recursive: true, force: true });
      await fsp.writeFile(join(ctx.backupDir, '.restore'), 'not a folder');
    };
    let entered = false;
    await assert.rejects(
      restore(ctx, b.file, { onStep: breakDisk, hooks: { enterMaintenance: async () => void (entered = true), leaveMaintenance: async () => undefined } }),
      (e: Error) => e instanceof RestoreFailed && /restore not started: the safety backup failed .*nothing was changed/.test(e.message),
    );
    assert.equal(entered, false);
    assert.deepEqual(await fingerprint(env.conn, env.s3.target), previous);
    const c = await pgClient(env.conn, 'postgres');
    const names = (await c.query<{ datname: string }>('SELECT datname FROM pg_database')).rows.map((x) => x.datname);
    await c.end();
    assert.deepEqual(names.filter((n) => n.startsWith(env.conn.database)), [env.conn.database], 'the staging database is dropped');
    assert.equal(await readJournal(ctx.backupDir), undefined);
    await restore(ctx, b.file); // back to the seeded state for the next test
  });

  it('a failure after the swap rolls everything back and says what happened', async () => {
    const ctx = env.ctx();
    const b = await backup(ctx, { components: ['postgres', 'minio'] });
    await mutate(env.conn, env.s3.target);
    const previous = await fingerprint(env.conn, env.s3.target);
    const left: string[] = [];
    await assert.rejects(
      restore(ctx, b.file, {
        hooks: { enterMaintenance: async () => undefined, leaveMaintenance: async () => void left.push('leave') },
        onStep: (s) => {
          if (s === 'commit') throw new Error('disk on fire');
        },
      }),
      (e: Error) => e instanceof RestoreFailed && /failed during commit: disk on fire; the previous data is back in service/.test(e.message),
    );
    assert.deepEqual(left, ['leave']);
    assert.deepEqual(await fingerprint(env.conn, env.s3.target), previous);
  });

  it('the scheduled run copies the archive to a remote S3 endpoint, records status and prunes', async () => {
    const remoteS3 = await startS3('offsite');
    try {
      const ctx = env.ctx({ remote: { ...remoteS3.target, prefix: 'imstack/test/' } });
      const r = await runBackup(ctx, { components: ['postgres', 'minio'], kind: 'scheduled', remote: true, retention: { retentionDays: 7, keepLast: 3 } });
      assert.equal(r.remote?.ok, true, r.remote?.reason);
      const remote = await listRemote(ctx.remote as RemoteTarget, 'test');
      assert.deepEqual(remote.map((x) => x.file), [r.backup.file]);
      const dl = join(ctx.backupDir, 'downloaded');
      await downloadFromRemote(ctx.remote as RemoteTarget, r.backup.file, dl);
      assert.equal(sha256(await fsp.readFile(dl)), sha256(await fsp.readFile(r.backup.path)));
      const st = await readStatus(ctx.backupDir);
      assert.equal(st.lastSuccess?.file, r.backup.file);
      assert.equal(st.lastRemote?.ok, true);
    } finally {
      await remoteS3.stop();
    }
  });

  it('the scheduler fires on its cron schedule and writes status.json', async () => {
    const ctx = env.ctx();
    const runs: string[] = [];
    // Every 2 seconds (croner's seconds field) instead of 02:00: same code path, fast test.
    const sched = await startScheduler(
      { ctx, schedule: '*/2 * * * * *', timezone: 'Europe/Berlin', retention: { retentionDays: 7, keepLast: 3 }, components: ['postgres'] },
      { onRun: (r) => runs.push(r.backup.file), onError: (e) => runs.push(`error ${e.message}`) },
    );
    try {
      const first = await readStatus(ctx.backupDir);
      assert.ok(first.nextRun && Date.parse(first.nextRun) > Date.now() - 1000);
      for (let i = 0; i < 100 && runs.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
      assert.equal(runs.length, 1, `runs: ${runs}`);
      assert.match(runs[0], /^backup_test_/);
      const st = await readStatus(ctx.backupDir);
      assert.equal(st.lastSuccess?.kind, 'scheduled');
      assert.equal(st.lastSuccess?.file, runs[0]);
      assert.ok(Date.parse(st.nextRun ?? '') > Date.parse(st.lastSuccess?.at ?? ''));
    } finally {
      sched.stop();
    }
  });

  it('a failed scheduled run records the reason and prunes nothing', async () => {
    const ctx = env.ctx({ postgres: { ...env.conn, password: 'wrong-password' } });
    // With keepLast 1, a prune would delete the older of these two.
    const old = join(ctx.backupDir, 'backup_test_20000101_000000.tar.gz');
    await fsp.writeFile(old, 'x');
    await fsp.writeFile(join(ctx.backupDir, 'backup_test_20000102_000000.tar.gz'), 'x');
    await assert.rejects(runBackup(ctx, { components: ['postgres'], kind: 'scheduled', retention: { retentionDays: 1, keepLast: 1 } }));
    const st = await readStatus(ctx.backupDir);
    assert.match(st.lastFailure?.reason ?? '', /password authentication failed/);
    assert.ok(!(st.lastFailure?.reason ?? '').includes('wrong-password'), 'the password never appears in the reason');
    await fsp.access(old);
  });
});

async function readAllBytes(s: AsyncIterable<unknown>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of s) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}
