// What the restore relies on in the backups volume: the lock refuses with a typed error naming
// its holder, and records are replaced whole (atomicFile.ts).
import { strict as assert } from 'assert';
import { mkdtempSync, promises as fsp, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { writeFileAtomic, writeJsonAtomic } from '../../../automation/backup/atomicFile';
import { JOURNAL_FILE, readJournal, RestoreJournal, writeJournal } from '../../../automation/backup/journal';
import { finishPendingRestore } from '../../../automation/backup/restore';
import { LockBusyError, withLock } from '../../../automation/backup/store';

describe('the backups volume: lock and atomic records', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'imstack-volume-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  // pid 1 is alive in every process namespace, and is never this test's own pid.
  const heldBy = (what: string, at: string): Promise<void> => fsp.writeFile(join(dir, '.lock'), JSON.stringify({ pid: 1, what, at }));

  it('a lock held by a live process refuses with LockBusyError: holder, pid, since, code; the message as before', async () => {
    await heldBy('scheduled backup', '2026-12-02T02:00:00.000Z');
    let ran = false;
    await assert.rejects(
      withLock(dir, 'restore', async () => void (ran = true)),
      (e: Error) => {
        assert.ok(e instanceof LockBusyError);
        assert.equal(e.holder, 'scheduled backup');
        assert.equal(e.pid, 1);
        assert.equal(e.since, '2026-12-02T02:00:00.000Z');
        assert.equal(e.code, 'lock-busy');
        assert.equal(e.name, 'LockBusyError');
        assert.equal(e.message, 'another backup operation is running (scheduled backup, pid 1); try again when it has finished');
        return true;
      },
    );
    assert.equal(ran, false);
    assert.match(await fsp.readFile(join(dir, '.lock'), 'utf8'), /scheduled backup/, "the holder's lock is left alone");
  });

  it('finishPendingRestore tells a busy volume (false: try later) from nothing to do (undefined)', async () => {
    assert.equal(await finishPendingRestore({ stack: 'test', backupDir: dir }), undefined);
    const j: RestoreJournal = { archive: 'a', safety: 'backup_test_20261202_000000.tar.gz', components: [], phase: 'committed', startedAt: '2026-12-02T00:00:00.000Z' };
    await writeJournal(dir, j);
    await heldBy('restore', '2026-12-02T00:00:00.000Z');
    assert.equal(await finishPendingRestore({ stack: 'test', backupDir: dir }), false);
    assert.deepEqual(await readJournal(dir), j, 'the journal is untouched');
  });

  it('writes replace a record whole, with its mode, and leave no temporary file', async () => {
    const p = join(dir, 'record.json');
    await writeJsonAtomic(p, { v: 1 }, { mode: 0o600, durable: true });
    assert.equal((await fsp.stat(p)).mode & 0o777, 0o600);
    await writeJsonAtomic(p, { v: 2 });
    assert.equal(await fsp.readFile(p, 'utf8'), '{\n  "v": 2\n}\n');
    await writeJournal(dir, { archive: 'a', safety: 's', components: [], phase: 'prepared', startedAt: 'now' });
    assert.equal((await fsp.stat(join(dir, JOURNAL_FILE))).mode & 0o777, 0o600);
    assert.deepEqual((await fsp.readdir(dir)).sort(), ['record.json', JOURNAL_FILE]);
  });

  it('a write that cannot be put in place leaves the target as it was and no temporary file', async () => {
    const target = join(dir, 'taken');
    await fsp.mkdir(target);
    await fsp.writeFile(join(target, 'inside'), 'kept');
    await assert.rejects(writeFileAtomic(target, 'new'));
    assert.equal(await fsp.readFile(join(target, 'inside'), 'utf8'), 'kept');
    assert.deepEqual(await fsp.readdir(dir), ['taken']);
  });
});
