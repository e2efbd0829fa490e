// The restore as named steps (restore/steps.ts): announced in their order, each journaled with
// its name before it runs, with the journal phases settle.ts and the recovery read.
import { strict as assert } from 'assert';
import { backup } from '../../../automation/backup/backup';
import type { ProgressEvent } from '../../../automation/backup/context';
import { readJournal } from '../../../automation/backup/journal';
import { restore, RestoreStep } from '../../../automation/backup/restore';
import { Env, missingPgReason, skipOrFail, startEnv } from './support/env';
import { fingerprint, mutate, seed } from './support/fixture';

describe('restore steps: order, events and journal', function () {
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

  it('a whole restore announces its steps in order and journals each one as it starts', async () => {
    const events: string[] = [];
    const ctx = env.ctx({ onProgress: (e: ProgressEvent) => void (e.type === 'phase' && e.phase === 'restore' && events.push(e.detail ?? '')) });
    const b = await backup({ ...ctx, onProgress: undefined }, { components: ['postgres', 'minio'] });
    const at = await fingerprint(env.conn, env.s3.target);
    await mutate(env.conn, env.s3.target);
    const journaled: string[] = [];
    const onStep = async (step: RestoreStep): Promise<void> => {
      const j = await readJournal(ctx.backupDir);
      journaled.push(j ? `${step}: ${j.phase} ${j.step}` : `${step}: no journal`);
    };
    await restore(ctx, b.file, { onStep });
    assert.deepEqual(await fingerprint(env.conn, env.s3.target), at);
    assert.equal(events.length, 12, events.join(' | '));
    // The safety-backup step's plan: the removed and the overwritten object come back, the added one goes.
    assert.match(events[5], /^objects: 11 unchanged, 2 to upload, 2 to save first$/);
    assert.deepEqual(
      [...events.slice(0, 5), ...events.slice(6)],
      ['verify', 'postgres-staging', 'postgres-staging done', 'archive verified', 'safety-backup', 'maintenance', 'postgres-swap', 'objects', 'commit', 'done', 'safety-archive'],
    );
    assert.deepEqual(journaled, [
      'verify: no journal', // announced before the journal exists: a refusal here leaves none
      'postgres-staging: prepared postgres-staging',
      'safety-backup: prepared safety-backup',
      'maintenance: prepared maintenance',
      'postgres-swap: prepared postgres-swap',
      'objects: objects objects', // the bucket's state is recorded before the first upload
      'commit: objects commit',
      'done: committed commit',
      'safety-archive: committed commit',
    ]);
    assert.equal(await readJournal(ctx.backupDir), undefined, 'the safety archive written, the journal is gone');
  });

  it('--minio-only has no database steps; --postgres-only no object steps', async () => {
    const ctx = env.ctx();
    const b = await backup(ctx, { components: ['postgres', 'minio'] });
    for (const [opts, expected] of [
      [{ minioOnly: true }, ['verify', 'safety-backup', 'maintenance', 'objects', 'commit', 'done', 'safety-archive']],
      [{ postgresOnly: true }, ['verify', 'postgres-staging', 'maintenance', 'postgres-swap', 'commit', 'done', 'safety-archive']],
    ] as const) {
      const steps: RestoreStep[] = [];
      await restore(ctx, b.file, { ...opts, onStep: (s) => void steps.push(s) });
      assert.deepEqual(steps, expected, JSON.stringify(opts));
    }
  });
});
