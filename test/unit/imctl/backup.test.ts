// imctl backup / backups / restore against fakes: what is exec'd in the job container, how
// its NDJSON events are shown, the restore hooks (nginx flag, backends stopped and started),
// confirmation, host-file copy-in under a staging name, --allow-unencrypted (asks first, reaches
// the engine through the exec's environment), exit codes 12/13, and that no secret reaches the output.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { run } from '../../../automation/app';
import type { ContainerExec, ExecLine, ExecOptions, SendLine } from '../../../automation/jobClient/containerExec';
import { container, depsOf, FakePrompter, harness, type Harness } from './support/fakes';
import { resultOf } from './support/envelope';

type Emit = (e: object) => void;
type Ask = (e: object) => Promise<string>;
type Script = (args: string[], emit: Emit, ask: Ask) => Promise<number>;

const SECRETS = { PGPASSWORD: 'pgADMINsecret4242', S3_SECRET_KEY: 'minioROOTsecret77', BACKUP_KEY: 'a1b2c3d4e5f60718293a4b5c6d7e8f90', BACKUP_PREVIOUS_KEYS: 'oldKEYvalue000111,olderKEY222333' };
const ARCHIVE = 'backup_dev_20250101_020000.tar.gz.enc';

class FakeExec implements ContainerExec {
  calls: Array<{ id: string; cmd: string[]; stdin: boolean; env?: Record<string, string> }> = [];
  replies: string[] = [];
  copiedOut: Array<{ path: string; dir: string }> = [];
  copiedIn: Array<{ file: string; dir: string; name?: string }> = [];
  nginxCode = 0;
  script: Script = async (_a, emit) => {
    emit({ type: 'result', data: {} });
    return 0;
  };
  constructor(private readonly h: Harness) {}

  async run(id: string, cmd: readonly string[], opts: ExecOptions, onLine: (l: ExecLine, send: SendLine) => void): Promise<number> {
    this.calls.push({ id, cmd: [...cmd], stdin: opts.stdin, env: opts.env });
    const target = this.h.docker.containers.find((c) => c.id === id);
    if (target?.service === 'nginx') {
      this.h.docker.actions.push(`nginx: ${cmd.join(' ')}`);
      return this.nginxCode;
    }
    if (cmd[0] === 'rm') {
      this.h.docker.actions.push(`backup: ${cmd.join(' ')}`);
      return 0;
    }
    assert.deepStrictEqual(cmd.slice(0, 3), ['node', '/opt/imstack-backup/dist/main.js', '--json']);
    let waiter: ((l: string) => void) | undefined;
    const send: SendLine = (l) => {
      this.replies.push(l);
      this.h.docker.actions.push(`reply ${l}`);
      waiter?.(l);
    };
    const emit: Emit = (e) => onLine({ stream: 'stdout', text: JSON.stringify(e) }, send);
    const ask: Ask = (e) =>
      new Promise((res) => {
        waiter = res;
        emit(e);
      });
    onLine({ stream: 'stderr', text: 'pg_dump: a warning on stderr' }, send);
    return this.script(cmd.slice(3), emit, ask);
  }
  async copyOut(_id: string, p: string, dir: string): Promise<string> {
    this.copiedOut.push({ path: p, dir });
    return path.join(dir, path.posix.basename(p));
  }
  async copyIn(_id: string, file: string, dir: string, name?: string): Promise<void> {
    this.copiedIn.push({ file, dir, name });
  }
}

function setup(): { h: Harness; exec: FakeExec } {
  const h = harness();
  const job = container('backup');
  h.docker.containers.push(job);
  h.docker.env[job.id] = { STACK: 'dev', PGUSER: 'postgres', ...SECRETS };
  h.docker.containers.push(container('nginx', { id: 'id-nginx-2', name: 'imstack-dev-nginx' }));
  // devStack() has nginx first; keep one nginx only.
  h.docker.containers = h.docker.containers.filter((c, i, all) => c.service !== 'nginx' || all.findIndex((x) => x.service === 'nginx') === i);
  return { h, exec: new FakeExec(h) };
}

async function cli(h: Harness, exec: FakeExec, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  h.stdout.text = '';
  h.stderr.text = '';
  const code = await run(['node', 'imctl', ...args], depsOf(h), { exec: () => exec });
  const out = { code, stdout: h.stdout.text, stderr: h.stderr.text };
  const all = out.stdout + out.stderr;
  for (const s of [SECRETS.PGPASSWORD, SECRETS.S3_SECRET_KEY, SECRETS.BACKUP_KEY, 'oldKEYvalue000111', 'olderKEY222333']) assert.ok(!all.includes(s), `secret in output:\n${all}`);
  return out;
}

const engineArgs = (exec: FakeExec) => exec.calls.filter((c) => c.cmd[0] === 'node').map((c) => c.cmd.slice(3).join(' '));

describe('imctl: backup', function () {
  it('runs the engine in the job container, shows progress on stderr and the result on stdout', async function () {
    const { h, exec } = setup();
    exec.script = async (args, emit) => {
      emit({ type: 'phase', phase: 'postgres', detail: 'pg_dump' });
      emit({ type: 'progress', phase: 'objects', bytes: 3 * 1048576, objects: 12 });
      emit({ type: 'result', data: { file: ARCHIVE, bytes: 5 * 1048576, durationMs: 2100, objectCount: 12 } });
      return args[0] === 'backup' ? 0 : 1;
    };
    const r = await cli(h, exec, 'backup');
    assert.strictEqual(r.code, 0, r.stderr);
    assert.deepStrictEqual(engineArgs(exec), ['backup all']);
    assert.match(r.stderr, /objects: 3\.0 MiB, 12 objects/);
    assert.match(r.stderr, /postgres: pg_dump/);
    assert.doesNotMatch(r.stderr, /a warning on stderr/, 'engine stderr only with --verbose');
    assert.match(r.stdout, new RegExp(`backup ${ARCHIVE.replace(/\./g, '\\.')} \\(5\\.0 MiB, 12 objects\\) in 2\\.1s`));
    assert.strictEqual(exec.copiedOut.length, 0);
  });

  it('--output copies the archive out; components and --remote reach the engine', async function () {
    const { h, exec } = setup();
    exec.script = async (_a, emit) => {
      emit({ type: 'result', data: { file: ARCHIVE, bytes: 10, remote: { ok: true } } });
      return 0;
    };
    const r = await cli(h, exec, 'backup', 'postgres', 'minio', '--output', 'some/dir', '--remote');
    assert.strictEqual(r.code, 0, r.stderr);
    assert.deepStrictEqual(engineArgs(exec), ['backup postgres minio --remote']);
    assert.deepStrictEqual(exec.copiedOut, [{ path: `/backups/${ARCHIVE}`, dir: path.resolve('some/dir') }]);
    assert.match(r.stdout, /copied to .*some\/dir\/backup_dev_/);
    assert.match(r.stdout, /off-site copy: ok/);
  });

  it('--json passes the engine events through as NDJSON, ending with the result envelope', async function () {
    const { h, exec } = setup();
    exec.script = async (_a, emit) => {
      emit({ type: 'progress', phase: 'objects', bytes: 1, objects: 1 });
      emit({ type: 'result', data: { file: ARCHIVE, bytes: 10 } });
      return 0;
    };
    const r = await cli(h, exec, '--json', 'backup', '--output', '/tmp/x');
    assert.strictEqual(r.code, 0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type?: string; command?: string });
    assert.deepStrictEqual(lines.map((l) => l.type ?? l.command), ['progress', 'backup']);
    assert.strictEqual(resultOf<{ copiedTo?: string }>(r.stdout, 'backup').copiedTo, `/tmp/x/${ARCHIVE}`);
  });

  it('an unknown component is a usage error (exit 3) and nothing runs', async function () {
    const { h, exec } = setup();
    const r = await cli(h, exec, 'backup', 'mysql');
    assert.strictEqual(r.code, 3);
    assert.match(r.stderr, /unknown backup component: mysql/);
    assert.strictEqual(exec.calls.length, 0);
  });

  it('a missing or stopped job container says what to do (exit 10); no stack at all is exit 6', async function () {
    const { h, exec } = setup();
    h.docker.containers.find((c) => c.service === 'backup')!.state = 'exited';
    let r = await cli(h, exec, 'backup');
    assert.strictEqual(r.code, 10);
    assert.match(r.stderr, /backup job container imstack-dev-backup is exited[\s\S]*imctl start backup/);
    h.docker.containers = h.docker.containers.filter((c) => c.service !== 'backup');
    r = await cli(h, exec, 'backup');
    assert.strictEqual(r.code, 10);
    assert.match(r.stderr, /no backup job container/);
    h.docker.containers = [];
    r = await cli(h, exec, 'backup');
    assert.strictEqual(r.code, 6);
  });

  it('an engine failure is exit 10 with its message, secrets masked', async function () {
    const { h, exec } = setup();
    exec.script = async (_a, emit) => {
      emit({ type: 'error', message: `connection to postgres://postgres:${SECRETS.PGPASSWORD}@postgres failed; key ${SECRETS.BACKUP_KEY} and oldKEYvalue000111` });
      return 1;
    };
    const r = await cli(h, exec, 'backup');
    assert.strictEqual(r.code, 10);
    assert.match(r.stderr, /backup job \(backup\) failed: connection to postgres:\/\/postgres:\[secret\]@postgres failed; key \[secret\] and \[secret\]/);
  });
});

describe('imctl: backups list | verify | prune | status', function () {
  it('list shows local and remote archives in a table, or JSON with --json', async function () {
    const { h, exec } = setup();
    const rows = [
      { where: 'local', file: ARCHIVE, bytes: 2048, createdAt: '2025-01-01T00:00:00Z', encrypted: true, components: ['postgres', 'minio'], kind: 'scheduled', lastVerified: { at: '2025-01-01T00:30:00Z', ok: true } },
      { where: 'remote', file: ARCHIVE, bytes: 2048, createdAt: '2025-01-01T00:00:00Z', encrypted: true },
    ];
    exec.script = async (_a, emit) => {
      emit({ type: 'result', data: rows });
      return 0;
    };
    const r = await cli(h, exec, 'backups', 'list');
    assert.strictEqual(r.code, 0, r.stderr);
    assert.deepStrictEqual(engineArgs(exec), ['list --remote']);
    assert.match(r.stdout, /^WHERE +ARCHIVE +SIZE +AGE +CONTENT +KIND +VERIFIED/);
    assert.match(r.stdout, /local +backup_dev_20250101_020000\.tar\.gz\.enc +2\.0 KiB +1\.0 h ago +postgres\+minio +scheduled +ok 30 min ago/);
    assert.match(r.stdout, /remote +backup_dev_/);
    const j = await cli(h, exec, 'backups', 'list', '--json', '--no-remote');
    assert.deepStrictEqual(resultOf(j.stdout, 'backups list'), rows);
    assert.deepStrictEqual(engineArgs(exec)[1], 'list');
  });

  it('verify of a name runs the engine; a refused archive is exit 12', async function () {
    const { h, exec } = setup();
    exec.script = async (args, emit) => {
      if (args[1] === ARCHIVE) {
        emit({ type: 'result', data: { file: `/backups/${ARCHIVE}`, ok: true, entries: 15, objectCount: 13, rowCounts: { 'public.users': 2, 'public.messages': 20 }, components: ['postgres', 'minio'] } });
        return 0;
      }
      emit({ type: 'error', message: 'archive failed authentication at chunk 3 (corrupted or tampered)', code: 'decrypt' });
      return 3;
    };
    let r = await cli(h, exec, 'backups', 'verify', ARCHIVE);
    assert.strictEqual(r.code, 0, r.stderr);
    assert.match(r.stdout, /OK \(postgres\+minio; 15 entries match their sha256, 13 objects, 22 rows/);
    r = await cli(h, exec, 'backups', 'verify', 'backup_dev_20250102_020000.tar.gz.enc');
    assert.strictEqual(r.code, 12);
    assert.match(r.stderr, /archive refused: archive failed authentication at chunk 3/);
    r = await cli(h, exec, 'backups', 'verify', 'not-an-archive');
    assert.strictEqual(r.code, 3);
  });

  it('verify --allow-unencrypted asks first (no terminal: exit 11, nothing runs); --yes confirms and the engine gets it in its environment', async function () {
    const { h, exec } = setup();
    exec.script = async (_a, emit) => {
      emit({ type: 'result', data: { file: `/backups/${ARCHIVE}`, ok: true, entries: 3, objectCount: 1, rowCounts: {}, components: ['minio'] } });
      return 0;
    };
    let r = await cli(h, exec, 'backups', 'verify', ARCHIVE, '--allow-unencrypted');
    assert.strictEqual(r.code, 11);
    assert.match(r.stderr, /stdin is not a terminal/);
    assert.strictEqual(exec.calls.length, 0);
    r = await cli(h, exec, '--yes', 'backups', 'verify', ARCHIVE, '--allow-unencrypted');
    assert.strictEqual(r.code, 0, r.stderr);
    assert.deepStrictEqual(exec.calls[0].env, { BACKUP_ALLOW_UNENCRYPTED: 'true' });
    assert.match(r.stdout, /^backup_dev_20250101_020000\.tar\.gz\.enc: OK/);
  });

  it('prune --dry-run passes the flag and lists what would go', async function () {
    const { h, exec } = setup();
    exec.script = async (args, emit) => {
      emit({ type: 'result', data: { kept: ['a', 'b', 'c'], pruned: ['old1'], dryRun: args.includes('--dry-run') } });
      return 0;
    };
    const r = await cli(h, exec, 'backups', 'prune', '--dry-run');
    assert.deepStrictEqual(engineArgs(exec), ['prune --dry-run']);
    assert.match(r.stdout, /would delete 1, kept 3\n {2}- old1/);
  });

  it('status prints last success/failure and exits 1 when backups are stale', async function () {
    const { h, exec } = setup();
    exec.script = async (_a, emit) => {
      emit({ type: 'result', data: { lastSuccess: { at: '2024-12-30T02:00:00Z', file: ARCHIVE }, lastFailure: { at: '2024-12-31T02:00:00Z', reason: 'pg_dump: connection refused' }, schedule: '0 2 * * *', timezone: 'UTC', nextRun: '2025-01-01T02:00:00Z', health: { ok: false, reason: 'last successful backup is 47.0 h old (limit 26 h)' } } });
      return 0;
    };
    const r = await cli(h, exec, 'backups', 'status');
    assert.strictEqual(r.code, 1);
    assert.match(r.stdout, /last success: +2024-12-30T02:00:00Z \(47\.0 h ago\)/);
    assert.match(r.stdout, /last failure: .*pg_dump: connection refused/);
    assert.match(r.stdout, /health: +degraded \(last successful backup is 47\.0 h old/);
  });

  it('status says when the safety archive of a restore is still being written, or a restore was interrupted', async function () {
    const { h, exec } = setup();
    let phase = 'committed';
    exec.script = async (_a, emit) => {
      emit({ type: 'result', data: { lastSuccess: { at: '2024-12-31T23:00:00Z', file: ARCHIVE }, restoring: { archive: `/backups/${ARCHIVE}`, safety: 'backup_dev_20250101_000500.tar.gz.enc', phase, startedAt: '2025-01-01T00:05:00Z' }, health: { ok: true, reason: 'last successful backup 1.0 h ago' } } });
      return 0;
    };
    let r = await cli(h, exec, 'backups', 'status');
    assert.strictEqual(r.code, 0, r.stderr);
    assert.match(r.stdout, /restore: +\/backups\/backup_dev_20250101_020000\.tar\.gz\.enc restored; safety archive backup_dev_20250101_000500\.tar\.gz\.enc being written/);
    phase = 'objects';
    r = await cli(h, exec, 'backups', 'status');
    assert.match(r.stdout, /restore: .* in progress or interrupted \(phase objects\)/);
  });
});

describe('imctl: restore', function () {
  const restoreScript: Script = async (args, emit, ask) => {
    emit({ type: 'phase', phase: 'restore', detail: 'verify' });
    assert.strictEqual(JSON.parse(await ask({ type: 'hook', name: 'enterMaintenance' })).ok, true);
    emit({ type: 'phase', phase: 'restore', detail: 'postgres-staging' });
    assert.strictEqual(JSON.parse(await ask({ type: 'hook', name: 'leaveMaintenance' })).ok, true);
    emit({ type: 'result', data: { archive: `/backups/${path.posix.basename(args[1])}`, safety: 'backup_dev_20250101_010000.tar.gz.enc', safetyPending: true, components: ['postgres', 'minio'], rowCounts: { 'public.messages': 20 }, objectCount: 3, uploadedObjects: 2, unchangedObjects: 1, removedObjects: 1 } });
    return 0;
  };

  it('asks first: declined or no terminal is exit 11 and nothing runs', async function () {
    const { h, exec } = setup();
    let r = await cli(h, exec, 'restore', ARCHIVE);
    assert.strictEqual(r.code, 11);
    assert.match(r.stderr, /stdin is not a terminal/);
    h.prompter = new FakePrompter(true, ['n']);
    r = await cli(h, exec, 'restore', ARCHIVE);
    assert.strictEqual(r.code, 11);
    assert.match(h.prompter.questions[0], /Restore backup_dev_20250101_020000\.tar\.gz\.enc into stack dev\? This replaces the database and the objects/);
    assert.strictEqual(exec.calls.length, 0);
  });

  it('--force: maintenance on (nginx flag, backends stopped), restore, maintenance off (backends healthy, flag removed)', async function () {
    const { h, exec } = setup();
    exec.script = restoreScript;
    const r = await cli(h, exec, 'restore', ARCHIVE, '--force');
    assert.strictEqual(r.code, 0, r.stderr);
    assert.deepStrictEqual(engineArgs(exec), [`restore ${ARCHIVE} --hooks stdio --defer-safety`]);
    assert.ok(exec.calls.find((c) => c.cmd[0] === 'node')?.stdin, 'stdin attached for the hooks');
    assert.deepStrictEqual(h.docker.actions, [
      'nginx: touch /var/lib/imstack/maintenance/on',
      'stop imstack-dev-backend-1 t=30',
      'stop imstack-dev-backend-2 t=30',
      'reply {"ok":true}',
      'start imstack-dev-backend-1',
      'start imstack-dev-backend-2',
      'nginx: rm -f /var/lib/imstack/maintenance/on',
      'reply {"ok":true}',
    ]);
    // Issue 10: the archive's components are named for what they hold, not for MinIO.
    assert.match(r.stdout, /restored backup_dev_20250101_020000\.tar\.gz\.enc \(database\+objects: 20 rows, 3 objects, 1 removed\)/);
    assert.match(r.stdout, /objects: 2 uploaded, 1 already equal \(left alone\), 1 removed/);
    assert.match(r.stdout, /safety backup of the previous data: backup_dev_20250101_010000\.tar\.gz\.enc \(the backup job is writing it now/);
    assert.match(r.stderr, /maintenance on[\s\S]*maintenance off/);
  });

  it('--yes also skips the question; --postgres-only reaches the engine; both partial flags are a usage error', async function () {
    const { h, exec } = setup();
    exec.script = restoreScript;
    const r = await cli(h, exec, '--yes', 'restore', ARCHIVE, '--postgres-only');
    assert.strictEqual(r.code, 0, r.stderr);
    assert.deepStrictEqual(engineArgs(exec), [`restore ${ARCHIVE} --hooks stdio --defer-safety --postgres-only`]);
    const both = await cli(h, exec, 'restore', ARCHIVE, '--postgres-only', '--minio-only', '--force');
    assert.strictEqual(both.code, 3);
    assert.match(both.stderr, /exclude each other/);
  });

  it('--objects-only restores only the objects whatever the engine; --minio-only still works, hidden and deprecated (issue 10)', async function () {
    const { h, exec } = setup();
    exec.script = async (args, emit) => {
      emit({ type: 'result', data: { archive: `/backups/${args[1]}`, safety: 'backup_dev_20250101_010000.tar.gz.enc', safetyPending: false, components: ['minio'], rowCounts: {}, objectCount: 3, uploadedObjects: 1, unchangedObjects: 2, removedObjects: 0 } });
      return 0;
    };
    h.prompter = new FakePrompter(true, ['n']);
    let r = await cli(h, exec, 'restore', ARCHIVE, '--objects-only');
    assert.strictEqual(r.code, 11);
    assert.match(h.prompter.questions[0], /This replaces the objects;/);
    r = await cli(h, exec, 'restore', ARCHIVE, '--objects-only', '--force');
    assert.strictEqual(r.code, 0, r.stderr);
    assert.match(r.stdout, /^restored backup_dev_20250101_020000\.tar\.gz\.enc \(objects: 3 objects, 0 removed\) in /);
    assert.doesNotMatch(r.stdout + r.stderr, /minio/i);
    r = await cli(h, exec, 'restore', ARCHIVE, '--minio-only', '--force');
    assert.strictEqual(r.code, 0, r.stderr);
    assert.match(r.stderr, /--minio-only is deprecated; use --objects-only/);
    // The engine's interface keeps the archive's component name.
    assert.deepStrictEqual(engineArgs(exec), [`restore ${ARCHIVE} --hooks stdio --defer-safety --minio-only`, `restore ${ARCHIVE} --hooks stdio --defer-safety --minio-only`]);
    const both = await cli(h, exec, 'restore', ARCHIVE, '--postgres-only', '--objects-only', '--force');
    assert.strictEqual(both.code, 3);
    assert.match(both.stderr, /--postgres-only and --objects-only exclude each other/);
    const help = await cli(h, exec, 'restore', '--help');
    assert.match(help.stdout, /--objects-only/);
    assert.doesNotMatch(help.stdout, /--minio-only/);
  });

  it('a host file is copied in under a staging name, never onto an archive, and the engine is given that path', async function () {
    const { h, exec } = setup();
    exec.script = restoreScript;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'imctl-restore-'));
    try {
      const file = path.join(dir, ARCHIVE);
      fs.writeFileSync(file, 'x');
      const r = await cli(h, exec, 'restore', file, '--force');
      assert.strictEqual(r.code, 0, r.stderr);
      assert.strictEqual(exec.copiedIn.length, 1);
      const staged = exec.copiedIn[0];
      assert.deepStrictEqual({ file: staged.file, dir: staged.dir }, { file, dir: '/backups' });
      assert.match(staged.name ?? '', new RegExp(`^\\.incoming/[0-9a-f]{16}/${ARCHIVE.replace(/\./g, '\\.')}$`));
      assert.deepStrictEqual(engineArgs(exec), [`restore /backups/${staged.name} --hooks stdio --defer-safety`]);
      assert.match(r.stdout, /restored backup_dev_20250101_020000\.tar\.gz\.enc /, 'named as the engine kept it');
      fs.writeFileSync(path.join(dir, 'dump.sql'), 'x');
      const bad = await cli(h, exec, 'restore', path.join(dir, 'dump.sql'), '--force');
      assert.strictEqual(bad.code, 3);
      assert.match(bad.stderr, /not named like a backup archive/);
      const missing = await cli(h, exec, 'restore', path.join(dir, 'nope', ARCHIVE), '--force');
      assert.strictEqual(missing.code, 3);
      assert.match(missing.stderr, /no such file/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a host file the engine refuses: exit 12, and its staging folder is removed even if the engine never got to it', async function () {
    const { h, exec } = setup();
    exec.script = async (_a, emit) => {
      emit({ type: 'error', message: 'another backup operation is running (scheduled backup, pid 7); try again when it has finished' });
      return 1;
    };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'imctl-restore-'));
    try {
      const file = path.join(dir, ARCHIVE);
      fs.writeFileSync(file, 'x');
      const r = await cli(h, exec, 'backups', 'verify', file);
      assert.strictEqual(r.code, 10, r.stderr);
      const token = path.posix.dirname(exec.copiedIn[0].name ?? '');
      assert.deepStrictEqual(h.docker.actions, [`backup: rm -rf /backups/${token}`]);
      // A name in the volume is never removed.
      h.docker.actions = [];
      await cli(h, exec, 'backups', 'verify', ARCHIVE);
      assert.deepStrictEqual(h.docker.actions, []);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--allow-unencrypted asks first (its warning in the question; no terminal: exit 11), --force skips, and reaches the engine only in the exec environment', async function () {
    const { h, exec } = setup();
    exec.script = restoreScript;
    h.prompter = new FakePrompter(true, ['n']);
    let r = await cli(h, exec, 'restore', ARCHIVE, '--allow-unencrypted');
    assert.strictEqual(r.code, 11);
    assert.match(h.prompter.questions[0], /Restore .* into stack dev\?.*With --allow-unencrypted, an archive is accepted that nothing proves came from this stack/);
    assert.strictEqual(exec.calls.length, 0);
    r = await cli(h, exec, 'restore', ARCHIVE, '--allow-unencrypted', '--force');
    assert.strictEqual(r.code, 0, r.stderr);
    const engine = exec.calls.filter((c) => c.cmd[0] === 'node');
    assert.deepStrictEqual(engine[0].env, { BACKUP_ALLOW_UNENCRYPTED: 'true' });
    assert.ok(!engine[0].cmd.some((a) => /unencrypted/i.test(a)), 'not an engine argument');
    await cli(h, exec, 'restore', ARCHIVE, '--force');
    assert.strictEqual(exec.calls.filter((c) => c.cmd[0] === 'node')[1].env, undefined, 'without the flag nothing is allowed');
  });

  it('a refused archive is exit 12 and maintenance is never entered', async function () {
    const { h, exec } = setup();
    exec.script = async (_a, emit) => {
      emit({ type: 'error', message: 'wrong backup key: the archive was encrypted with a different key (tried the current key and 2 previous keys)', code: 'decrypt' });
      return 3;
    };
    const r = await cli(h, exec, 'restore', ARCHIVE, '--force');
    assert.strictEqual(r.code, 12);
    assert.match(r.stderr, /archive refused: wrong backup key.*2 previous keys/);
    assert.match(r.stderr, /nothing was changed/);
    assert.deepStrictEqual(h.docker.actions, []);
  });

  it('a failed restore that was rolled back is exit 13, and a failing hook is answered with ok:false', async function () {
    const { h, exec } = setup();
    exec.nginxCode = 1;
    exec.script = async (_a, emit, ask) => {
      const reply = JSON.parse(await ask({ type: 'hook', name: 'enterMaintenance' })) as { ok: boolean; error?: string };
      assert.strictEqual(reply.ok, false);
      assert.match(reply.error ?? '', /touch \/var\/lib\/imstack\/maintenance\/on in imstack-dev-nginx exited 1/);
      exec.nginxCode = 0;
      await ask({ type: 'hook', name: 'leaveMaintenance' });
      emit({ type: 'error', message: `restore failed during maintenance: enterMaintenance failed: ${reply.error}; the previous data is back in service`, code: 'RestoreFailed' });
      return 4;
    };
    const r = await cli(h, exec, 'restore', ARCHIVE, '--force');
    assert.strictEqual(r.code, 13);
    assert.match(r.stderr, /restore failed and was rolled back: restore failed during maintenance/);
    assert.match(r.stderr, /previous data is serving again/);
    assert.ok(h.docker.actions.includes('nginx: rm -f /var/lib/imstack/maintenance/on'), 'the flag is removed on the way out');
  });

  it('a job killed mid-restore (no answer, exit 137) is exit 10 that says the job settles it, not "rerun with --verbose"', async function () {
    const { h, exec } = setup();
    exec.script = async (_a, emit, ask) => {
      await ask({ type: 'hook', name: 'enterMaintenance' });
      emit({ type: 'phase', phase: 'restore', detail: 'postgres-swap' });
      return 137;
    };
    const r = await cli(h, exec, 'restore', ARCHIVE, '--force');
    assert.strictEqual(r.code, 10);
    assert.match(r.stderr, /backup job \(restore\) failed: backup job \(restore\) exited with 137 without a result/);
    assert.match(r.stderr, /stopped mid-restore \(exit 137\); it settles the restore itself when it runs again and lifts the maintenance page/);
    assert.doesNotMatch(r.stderr, /rerun with --verbose/);
    // A backup killed the same way keeps the generic hint: there is nothing to settle.
    exec.script = async () => 137;
    const b = await cli(h, exec, 'backup');
    assert.strictEqual(b.code, 10);
    assert.match(b.stderr, /exit 137 inside .*rerun with --verbose/);
  });

  it('help lists the backup exit codes', async function () {
    const { h, exec } = setup();
    const r = await cli(h, exec, 'restore', '--help');
    assert.strictEqual(r.code, 0);
    assert.match(r.stdout, /12 +backup archive refused/);
    assert.match(r.stdout, /13 +restore failed and was rolled back/);
  });
});
