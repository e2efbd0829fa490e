// The commands' seams called directly, as gh's tests call a command's run function: typed
// options built from flags, then run(ctx, options, boundaries) returning the JSON result.
import * as assert from 'assert';
import { Redactor } from '../../../automation/cli/redact';
import { backupOptions } from '../../../automation/commands/backup';
import { runStop, stopOptions } from '../../../automation/commands/lifecycle';
import { componentWords, restoreOptions } from '../../../automation/commands/restore';
import { runStatus } from '../../../automation/commands/status';
import { runUnlock } from '../../../automation/commands/unlock';
import { Ctx, type Globals } from '../../../automation/context';
import { realDeps } from '../../../automation/deps';
import { UsageError } from '../../../automation/errors';
import { depsOf, harness, type Harness } from './support/fakes';

function ctxFor(h: Harness, globals: Partial<Globals> = {}): Ctx {
  return new Ctx(realDeps(depsOf(h)), { stack: 'dev', json: false, yes: false, verbose: false, color: false, installPulumi: false, ...globals }, new Redactor());
}

const RESTORE_DEFAULTS = { grace: '30s', timeout: '120s' };

describe('imctl: command seams', function () {
  it('restoreOptions: the scope from --postgres-only / --objects-only / --minio-only, durations parsed, both scopes refused', function () {
    assert.deepStrictEqual(restoreOptions(['a.tar.gz'], { ...RESTORE_DEFAULTS, force: true }), {
      archive: 'a.tar.gz', scope: 'all', allowUnencrypted: false, force: true, graceSeconds: 30, timeoutSeconds: 120,
    });
    assert.strictEqual(restoreOptions(['a'], { ...RESTORE_DEFAULTS, postgresOnly: true }).scope, 'database');
    assert.strictEqual(restoreOptions(['a'], { ...RESTORE_DEFAULTS, objectsOnly: true }).scope, 'objects');
    assert.strictEqual(restoreOptions(['a'], { ...RESTORE_DEFAULTS, minioOnly: true }).scope, 'objects');
    assert.throws(() => restoreOptions(['a'], { ...RESTORE_DEFAULTS, postgresOnly: true, objectsOnly: true }), UsageError);
    assert.throws(() => restoreOptions(['a'], { grace: '0s', timeout: '120s' }), /--grace "0s" must be a positive duration/);
  });

  it('componentWords names the archive components for what they hold (issue 10)', function () {
    assert.strictEqual(componentWords(['postgres', 'minio']), 'database+objects');
    assert.strictEqual(componentWords(['minio']), 'objects');
    assert.strictEqual(componentWords(['postgres', 'redis']), 'database+redis');
  });

  it('backupOptions: components default to all; an unknown one is a usage error', function () {
    assert.deepStrictEqual(backupOptions([], {}), { components: ['all'], output: undefined, remote: false });
    assert.deepStrictEqual(backupOptions(['postgres', 'minio'], { output: 'dir', remote: true }), { components: ['postgres', 'minio'], output: 'dir', remote: true });
    assert.throws(() => backupOptions(['mysql'], {}), /unknown backup component: mysql/);
  });

  it('runStatus returns the rows the envelope carries and prints the table', async function () {
    const h = harness();
    const rows = await runStatus(ctxFor(h));
    assert.strictEqual(rows.length, h.docker.containers.length);
    assert.deepStrictEqual(Object.keys(rows[0]), ['service', 'replica', 'tier', 'container', 'state', 'health', 'exitCode', 'startedAt', 'uptimeSeconds', 'ports']);
    assert.match(h.stdout.text, /^SERVICE +CONTAINER/);
  });

  it('runStatus under --json prints nothing itself: the exporter writes the envelope', async function () {
    const h = harness();
    await runStatus(ctxFor(h, { json: true }));
    assert.strictEqual(h.stdout.text, '');
  });

  it('runStop stops what the options name and reports their state', async function () {
    const h = harness();
    const r = await runStop(ctxFor(h), stopOptions(['web'], { grace: '5s' }));
    assert.deepStrictEqual(h.docker.actions, ['stop imstack-dev-web t=5']);
    assert.deepStrictEqual(r.containers.map((c) => [c.container, c.state]), [['imstack-dev-web', 'exited']]);
    assert.strictEqual(r.operation, 'stopped');
  });

  it('runUnlock asks first, and cancels the lock only once confirmed', async function () {
    const h = harness();
    h.workspace.stack('dev');
    await assert.rejects(runUnlock(ctxFor(h)), /refusing without confirmation/);
    assert.deepStrictEqual(h.workspace.stack('dev').calls, []);
    await runUnlock(ctxFor(h, { yes: true }));
    assert.deepStrictEqual(h.workspace.stack('dev').calls.map((c) => c.op), ['cancel']);
  });
});
