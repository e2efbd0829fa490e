import { strict as assert } from 'assert';
import { planRetention } from '../../../automation/backup/retention';
import { archiveFileName, parseArchiveName } from '../../../automation/backup/naming';

const day = 86_400_000;
const at = (iso: string): Date => new Date(iso);
function daily(from: string, days: number[]): { file: string; createdAt: Date }[] {
  return days.map((d) => {
    const createdAt = new Date(at(from).getTime() + d * day);
    return { file: archiveFileName('prod', createdAt, true), createdAt };
  });
}

describe('backup retention', () => {
  it('keeps the last 7 days of daily backups and prunes older ones', () => {
    const list = daily('2024-03-01T02:00:00Z', [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const now = at('2024-03-10T02:30:00Z');
    const plan = planRetention(list, now, { retentionDays: 7, keepLast: 3 });
    assert.deepEqual(plan.prune.map((a) => a.createdAt.toISOString().slice(0, 10)), ['2024-03-03', '2024-03-02', '2024-03-01']);
    assert.equal(plan.keep.length, 7);
  });

  it('after a gap of several days with no backups, still keeps the newest keepLast', () => {
    // Backups until the 5th, then the job was broken for 12 days.
    const list = daily('2024-03-01T02:00:00Z', [0, 1, 2, 3, 4]);
    const now = at('2024-03-17T02:00:00Z');
    const plan = planRetention(list, now, { retentionDays: 7, keepLast: 3 });
    assert.deepEqual(plan.keep.map((a) => a.createdAt.getUTCDate()), [5, 4, 3]);
    assert.deepEqual(plan.prune.map((a) => a.createdAt.getUTCDate()), [2, 1]);
  });

  it('after the gap, the first new backup counts toward keepLast and old ones go one by one', () => {
    const list = [...daily('2024-03-01T02:00:00Z', [0, 1, 2, 3, 4]), ...daily('2024-03-17T02:00:00Z', [0])];
    const plan = planRetention(list, at('2024-03-17T03:00:00Z'), { retentionDays: 7, keepLast: 3 });
    assert.deepEqual(plan.keep.map((a) => a.createdAt.getUTCDate()), [17, 5, 4]);
  });

  it('keeps everything inside the window even when there are many', () => {
    const list = daily('2024-03-01T00:00:00Z', [0, 0.25, 0.5, 0.75, 1, 1.25]);
    const plan = planRetention(list, at('2024-03-03T00:00:00Z'), { retentionDays: 7, keepLast: 3 });
    assert.equal(plan.prune.length, 0);
  });

  it('retentionDays 0 keeps exactly keepLast', () => {
    const list = daily('2024-03-01T00:00:00Z', [0, 1, 2, 3]);
    const plan = planRetention(list, at('2024-03-05T00:00:00Z'), { retentionDays: 0, keepLast: 2 });
    assert.equal(plan.keep.length, 2);
    assert.equal(plan.prune.length, 2);
  });

  it('is independent of input order and does not mutate it', () => {
    const list = daily('2024-03-01T00:00:00Z', [3, 0, 9, 1]);
    const copy = [...list];
    const plan = planRetention(list, at('2024-03-20T00:00:00Z'), { retentionDays: 7, keepLast: 2 });
    assert.deepEqual(list, copy);
    assert.deepEqual(plan.keep.map((a) => a.createdAt.getUTCDate()), [10, 4]);
  });

  it('rejects a policy that could delete everything', () => {
    assert.throws(() => planRetention([], new Date(), { retentionDays: 7, keepLast: 0 }), /keepLast/);
    assert.throws(() => planRetention([], new Date(), { retentionDays: -1, keepLast: 3 }), /retentionDays/);
  });
});

describe('backup archive names', () => {
  it('formats in UTC and parses back', () => {
    const d = at('2024-12-31T23:59:58Z');
    const f = archiveFileName('prod', d, true);
    assert.equal(f, 'backup_prod_20241231_235958.tar.gz.enc');
    assert.deepEqual(parseArchiveName(f), { file: f, stack: 'prod', createdAt: d, encrypted: true });
    assert.equal(parseArchiveName('backup_dev_20240101_000000.tar.gz')?.encrypted, false);
  });

  it('ignores files that are not archives', () => {
    for (const f of ['status.json', 'backup_prod_20240101_000000.tar.gz.partial', 'backup_prod_2024_01.tar.gz', 'backup_Prod_20240101_000000.tar.gz', 'x.tar.gz.info.json']) {
      assert.equal(parseArchiveName(f), null, f);
    }
    assert.throws(() => archiveFileName('../etc', new Date(), false), /invalid stack name/);
  });
});
