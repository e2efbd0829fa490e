import { strict as assert } from 'assert';
import { promises as fsp } from 'fs';
import { join } from 'path';
import { backup } from '../../../automation/backup/backup';
import { restore, RestoreFailed } from '../../../automation/backup/restore';
import { verify } from '../../../automation/backup/verify';
import { readInfo } from '../../../automation/backup/store';
import { Env, missingPgReason, skipOrFail, startEnv } from './support/env';
import { fingerprint, fingerprintObjects, mutate, pgClient, seed } from './support/fixture';

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
    const r = await restore(ctx, b.file, { hooks });
    assert.deepEqual(steps, ['enter', 'leave']);
    assert.equal(r.removedObjects, 1);
    assert.deepEqual(await fingerprint(env.conn, env.s3.target), before);
    // Only the live database is left: staging and previous copies are gone.
    const dbs = await pgClient(env.conn, 'postgres');
    const names = (await dbs.query<{ datname: string }>('SELECT datname FROM pg_database')).rows.map((x) => x.datname);
    await dbs.end();
    assert.deepEqual(names.filter((n) => n.startsWith(env.conn.database)), [env.conn.database]);
    // The safety backup holds the mutated state and is itself a valid archive.
    await verify(ctx, r.safety);
  });
});
