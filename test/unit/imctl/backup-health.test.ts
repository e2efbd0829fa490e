// imctl health's backup-age check: read from the job's status.json (through the probe that
// execs `main.js status --json` in the job container), degraded when older than 26 h or never.
import * as assert from 'assert';
import { JOB_EXIT, JOB_MAIN } from '../../../automation/backup/contract';
import type { BackupStatusAnswer, Probes } from '../../../automation/health/probes';
import type { ContainerExec, ExecLine, ExecOptions, SendLine } from '../../../automation/jobClient/containerExec';
import { execJob } from '../../../automation/jobClient/protocol';
import { container, harness, imctl, type Harness } from './support/fakes';

function withJob(answer: () => Promise<BackupStatusAnswer>): { h: Harness; calls: string[] } {
  const h = harness();
  h.docker.containers.push(container('backup'));
  const calls: string[] = [];
  const backupStatus: NonNullable<Probes['backupStatus']> = async (id) => {
    calls.push(id);
    return answer();
  };
  Object.assign(h.probes, { backupStatus });
  return { h, calls };
}

describe('imctl: health, backup age', function () {
  it('a success 3 h ago is ok (and the status is read in the backup container)', async function () {
    const { h, calls } = withJob(async () => ({ lastSuccess: { at: '2024-12-31T22:00:00Z', file: 'backup_dev_20241231_220000.tar.gz.enc' } }));
    const r = await imctl(h, 'health');
    assert.strictEqual(r.code, 0, r.stdout);
    assert.match(r.stdout, /backup age +ok +last successful backup 3\.0 h ago \(backup_dev_20241231_220000\.tar\.gz\.enc\)/);
    assert.deepStrictEqual(calls, ['id-imstack-dev-backup']);
  });

  it('older than 26 h is degraded (exit 1), naming a later failure', async function () {
    const { h } = withJob(async () => ({ lastSuccess: { at: '2024-12-30T22:00:00Z' }, lastFailure: { at: '2024-12-31T02:00:00Z', reason: 'pg_dump: connection refused' } }));
    const r = await imctl(h, 'health');
    assert.strictEqual(r.code, 1, r.stdout);
    assert.match(r.stdout, /backup age +degraded +last successful backup is 27\.0 h old \(limit 26 h\); last run failed: pg_dump: connection refused/);
    assert.match(r.stdout, /stack dev: degraded/);
  });

  it('no successful backup yet: ok within 26 h of the job starting, degraded after that or after a failed run', async function () {
    let r = await imctl(withJob(async () => ({})).h, 'health');
    assert.match(r.stdout, /backup age +ok +no backup yet; the job started 1\.0 h ago/);
    const late = withJob(async () => ({}));
    late.h.docker.containers.find((c) => c.service === 'backup')!.startedAt = '2024-12-30T00:00:00Z';
    r = await imctl(late.h, 'health');
    assert.strictEqual(r.code, 1);
    assert.match(r.stdout, /backup age +degraded +no successful backup yet/);
    r = await imctl(withJob(async () => ({ lastFailure: { at: '2025-01-01T00:30:00Z', reason: 'pg_dump: connection refused' } })).h, 'health');
    assert.strictEqual(r.code, 1);
    assert.match(r.stdout, /backup age +degraded +no successful backup yet; last run failed: pg_dump: connection refused/);
  });

  it('an unreadable status is degraded', async function () {
    let r: Awaited<ReturnType<typeof imctl>>;
    r = await imctl(withJob(async () => Promise.reject(new Error('backup status timed out after 5000 ms'))).h, 'health');
    assert.strictEqual(r.code, 1);
    assert.match(r.stdout, /backup age +degraded +cannot read the backup status: backup status timed out/);
  });

  it('a stopped job is degraded; a stack without a backup job skips the check', async function () {
    const { h, calls } = withJob(async () => ({ lastSuccess: { at: '2024-12-31T22:00:00Z' } }));
    h.docker.containers.find((c) => c.service === 'backup')!.state = 'exited';
    let r = await imctl(h, 'health');
    assert.match(r.stdout, /backup age +degraded +backup job is exited/);
    assert.deepStrictEqual(calls, []);
    const bare = harness();
    r = await imctl(bare, 'health');
    assert.strictEqual(r.code, 0);
    assert.match(r.stdout, /backup age +skipped +no backup job container/);
  });
});

/** A job container whose engine prints `lines` and exits with `code`. */
function fakeJob(lines: ExecLine[], code: number): { exec: ContainerExec; runs: Array<{ id: string; cmd: readonly string[]; opts: ExecOptions }> } {
  const runs: Array<{ id: string; cmd: readonly string[]; opts: ExecOptions }> = [];
  const exec: ContainerExec = {
    async run(id: string, cmd: readonly string[], opts: ExecOptions, onLine: (line: ExecLine, send: SendLine) => void): Promise<number> {
      runs.push({ id, cmd, opts });
      for (const l of lines) onLine(l, () => undefined);
      return code;
    },
    copyOut: async () => {
      throw new Error('not used');
    },
    copyIn: async () => {
      throw new Error('not used');
    },
  };
  return { exec, runs };
}

describe('job client: one reader of the job\'s events (imctl commands and the health probe)', function () {
  it('runs main.js --json <command> and returns the result, passing other events and stray lines on', async function () {
    const status = { lastSuccess: { at: '2024-12-31T22:00:00Z', kind: 'scheduled' }, health: { ok: true, reason: 'fine' } };
    const { exec, runs } = fakeJob([
      { stream: 'stdout', text: JSON.stringify({ type: 'phase', phase: 'status' }) },
      { stream: 'stdout', text: 'not json' },
      { stream: 'stdout', text: '42' },
      { stream: 'stderr', text: 'warning' },
      { stream: 'stdout', text: JSON.stringify({ type: 'result', data: status }) },
    ], JOB_EXIT.OK);
    const events: string[] = [];
    const other: string[] = [];
    const out = await execJob(exec, 'id-job', ['status'], { onEvent: (e) => void events.push(e.type), onOther: (l) => void other.push(`${l.stream}:${l.text}`) });
    assert.deepStrictEqual(runs, [{ id: 'id-job', cmd: ['node', JOB_MAIN, '--json', 'status'], opts: { stdin: false, env: undefined } }]);
    assert.deepStrictEqual(out, { code: 0, result: { data: status }, error: undefined });
    assert.deepStrictEqual(events, ['phase']);
    assert.deepStrictEqual(other, ['stdout:not json', 'stderr:warning']);
  });

  it('an error event and the exit code come back as they are, with no result', async function () {
    const { exec } = fakeJob([{ stream: 'stdout', text: JSON.stringify({ type: 'error', message: 'archive refused', code: 'tampered' }) }], JOB_EXIT.ARCHIVE_REFUSED);
    const out = await execJob(exec, 'id-job', ['verify', 'x.tar.gz']);
    assert.deepStrictEqual(out, { code: 3, result: undefined, error: { message: 'archive refused', code: 'tampered' } });
  });
});
