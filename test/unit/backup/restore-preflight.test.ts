// The restore's pre-flight (issue 10): a target that cannot take the archive's objects (no
// bucket, no store) is refused before the restore touches anything, naming the problem.
import { strict as assert } from 'assert';
import { promises as fsp } from 'fs';
import { createServer } from 'net';
import { join, relative } from 'path';
import type { BackupContext } from '../../../automation/backup/context';
import { readJournal } from '../../../automation/backup/journal';
import { s3Client } from '../../../automation/backup/objects';
import { PROBE_PREFIX, restore, RestoreRefused } from '../../../automation/backup/restore';
import { runBackup } from '../../../automation/backup/run';
import { STATUS_FILE } from '../../../automation/backup/contract';
import { readStatus } from '../../../automation/backup/status';
import { Env, missingPgReason, skipOrFail, startEnv } from './support/env';
import { fingerprint, fingerprintDb, fingerprintObjects, mutate, pgClient, seed } from './support/fixture';

/**
 * Every file and folder in the backups volume with its size and modification time, but
 * status.json, where the refusal is counted (compared on its own below).
 */
async function volume(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const name of (await fsp.readdir(d)).sort()) {
      if (d === dir && name === STATUS_FILE) continue;
      const p = join(d, name);
      const st = await fsp.stat(p);
      out.push(`${relative(dir, p)} ${st.isDirectory() ? 'dir' : st.size} ${st.mtimeMs}`);
      if (st.isDirectory()) await walk(p);
    }
  };
  await walk(dir);
  return out;
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((res) => srv.listen(0, '127.0.0.1', res));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((res) => srv.close(() => res()));
  return port;
}

describe('restore pre-flight: the target must take the archive objects', function () {
  this.timeout(60_000);
  let env: Env;
  let ctx: BackupContext;
  let file: string;
  let postgresOnlyFile: string;
  let seededDb: Record<string, string>;

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
    seededDb = await fingerprintDb(env.conn);
    ctx = env.ctx();
    // Through the scheduler's path, so status.json exists and can be compared.
    file = (await runBackup(ctx, { components: ['postgres', 'minio'], kind: 'manual' })).backup.file;
    postgresOnlyFile = (await runBackup(ctx, { components: ['postgres'], kind: 'manual' })).backup.file;
    await mutate(env.conn, env.s3.target);
  });
  after(async () => {
    await env?.stop();
  });

  /** Restores with `c`, expects the refusal, and checks that nothing anywhere changed. */
  async function refusedUntouched(c: BackupContext, code: RestoreRefused['code'], pattern: RegExp): Promise<void> {
    const live = await fingerprint(env.conn, env.s3.target);
    const dbs = await databases();
    const files = await volume(c.backupDir);
    const status = await readStatus(c.backupDir);
    const hooks: string[] = [];
    await assert.rejects(
      restore(c, file, { hooks: { enterMaintenance: async () => void hooks.push('enter'), leaveMaintenance: async () => void hooks.push('leave') } }),
      (e: Error) => {
        assert.ok(e instanceof RestoreRefused, `${e.name}: ${e.message}`);
        assert.equal(e.code, code);
        assert.match(e.message, pattern);
        return true;
      },
    );
    assert.deepEqual(hooks, [], 'maintenance is neither entered nor left');
    assert.deepEqual(await fingerprint(env.conn, env.s3.target), live, 'the database and the bucket are unchanged');
    assert.deepEqual(await databases(), dbs, 'no staging database was created');
    // No journal, no maintenance record, no safety copy, no work folder: the volume is as it was.
    assert.deepEqual(await volume(c.backupDir), files);
    assert.equal(await readJournal(c.backupDir), undefined);
    // The one change: the restores counter's "refused" (the job's metrics, issue 14).
    assert.deepEqual(await readStatus(c.backupDir), { ...status, restores: { ...status.restores, refused: (status.restores?.refused ?? 0) + 1 } });
  }

  it('a missing bucket: refused, naming the bucket; database, bucket, backups volume unchanged, status only counting the refusal', async () => {
    const noBucket: BackupContext = { ...ctx, s3: { ...env.s3.target, bucket: 'no-such-bucket' } };
    await refusedUntouched(noBucket, 'bucket-missing', /^the object store has no bucket "no-such-bucket": create it \(or fix objectStore\.bucket\) before restoring; nothing was changed$/);
    assert.equal(await s3Client(env.s3.target).bucketExists('no-such-bucket'), false, 'the restore does not create the bucket either');
  });

  it('an unreachable store: refused, naming where it was looked for', async () => {
    const port = await freePort();
    const gone: BackupContext = { ...ctx, s3: { ...env.s3.target, port } };
    await refusedUntouched(gone, 'store-unreachable', new RegExp(`^the object store at 127\\.0\\.0\\.1:${port} is unreachable \\(ECONNREFUSED\\).*; nothing was changed$`));
  });

  it('credentials the store refuses: refused as denied, naming the bucket and never the secret', async () => {
    const stranger: BackupContext = { ...ctx, s3: { ...env.s3.target, accessKey: 'NOBODY', secretKey: 'not-a-real-secret-0123' } };
    await refusedUntouched(stranger, 'bucket-denied', /^the object store refused to show bucket "imstack" to the backup job \(AccessDenied\): check the job's credentials and their access to that bucket; nothing was changed$/);
  });

  it('--postgres-only skips the object check and restores the database; an archive without objects needs no bucket', async () => {
    const noBucket: BackupContext = { ...ctx, s3: { ...env.s3.target, bucket: 'no-such-bucket' } };
    const objects = await fingerprintObjects(env.s3.target);
    assert.notDeepEqual(await fingerprintDb(env.conn), seededDb);
    await restore(noBucket, file, { postgresOnly: true });
    assert.deepEqual(await fingerprintDb(env.conn), seededDb);
    const c = await pgClient(env.conn);
    await c.query(`INSERT INTO users(name) VALUES ('intruder')`);
    await c.end();
    assert.notDeepEqual(await fingerprintDb(env.conn), seededDb);
    await restore(noBucket, postgresOnlyFile);
    assert.deepEqual(await fingerprintDb(env.conn), seededDb);
    assert.deepEqual(await fingerprintObjects(env.s3.target), objects, 'the objects were not touched');
  });

  it('a restore that passes the pre-flight leaves no probe object behind', async () => {
    const r = await restore(ctx, file);
    const keys = Object.keys(await fingerprintObjects(env.s3.target));
    assert.equal(keys.length, r.objectCount);
    assert.ok(!keys.some((k) => k.startsWith(PROBE_PREFIX)), keys.join(', '));
  });
});
