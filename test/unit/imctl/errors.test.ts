// Exit-code mapping: every kind of failure becomes one typed error with its documented code.
import * as assert from 'assert';
import { CommanderError } from 'commander';
import { describeError, mapError } from '../../../automation/errorMapping';
import * as E from '../../../automation/errors';
import { enoentError, harness, imctl, LOCKED_STDERR, pulumiError } from './support/fakes';
import { errorOf } from './support/envelope';

describe('imctl: error mapping and exit codes', function () {
  it('exit codes are distinct and documented', function () {
    const codes = EXIT_CODES();
    assert.strictEqual(new Set(codes).size, codes.length);
    assert.deepStrictEqual(E.EXIT_CODE_TABLE.map(([c]) => c).sort((a, b) => a - b), codes.sort((a, b) => a - b));
  });

  it('ConcurrentUpdateError -> LockConflictError (5), naming the lock holder', function () {
    const err = mapError(pulumiError(LOCKED_STDERR), { stack: 'dev' });
    assert.ok(err instanceof E.LockConflictError);
    assert.strictEqual(err.exitCode, 5);
    assert.match(err.message, /stack dev is locked by another update \(lock created by root@host \(pid 42\) at 2025-01-01T00:00:00Z\)/);
    assert.match(err.hint ?? '', /imctl unlock/);
  });

  it('the Pulumi Cloud 409 conflict is a lock conflict too', function () {
    assert.strictEqual(mapError(pulumiError('error: [409] Conflict: Another update is currently in progress.')).exitCode, 5);
  });

  it('StackNotFoundError -> 6 with how to create it', function () {
    const err = mapError(pulumiError("error: no stack named 'prod' found"), { stack: 'prod' });
    assert.ok(err instanceof E.StackNotFoundError);
    assert.strictEqual(err.exitCode, 6);
    assert.match(err.hint ?? '', /imctl up --stack prod/);
  });

  it('spawn pulumi ENOENT -> PulumiMissingError (7) with install instructions', function () {
    const err = mapError(enoentError());
    assert.ok(err instanceof E.PulumiMissingError);
    assert.strictEqual(err.exitCode, 7);
    assert.match(err.hint ?? '', /get\.pulumi\.com/);
  });

  it('another CommandError -> OperationFailedError (10) with the first engine error diagnostic, else the stderr error line', function () {
    const e = pulumiError('Updating (dev)\nerror: update failed\n');
    assert.strictEqual(mapError(e, { operation: 'up' }).message, 'up failed: update failed');
    const withDiag = mapError(e, { operation: 'up', diagnostics: ['container imstack-dev-nginx: port is already allocated'] });
    assert.strictEqual(withDiag.exitCode, 10);
    assert.match(withDiag.message, /port is already allocated/);
  });

  it('an aborted operation -> InterruptedError (130)', function () {
    const err = mapError(pulumiError('error: update canceled'), { aborted: true, operation: 'up' });
    assert.ok(err instanceof E.InterruptedError);
    assert.strictEqual(err.exitCode, 130);
  });

  it('Docker socket errors -> DockerUnreachableError (8)', function () {
    for (const code of ['ENOENT', 'ECONNREFUSED', 'EACCES']) {
      const e = Object.assign(new Error(`connect ${code} /var/run/docker.sock`), { code, syscall: 'connect', address: '/var/run/docker.sock' });
      const err = mapError(e);
      assert.strictEqual(err.exitCode, 8, code);
      assert.match(err.hint ?? '', /DOCKER_HOST/);
    }
  });

  it('a Docker API error -> OperationFailedError (10) with its reason', function () {
    const e = Object.assign(new Error('(HTTP code 500) server error'), { statusCode: 500, json: { message: 'driver failed programming external connectivity' } });
    const err = mapError(e);
    assert.strictEqual(err.exitCode, 10);
    assert.match(err.message, /driver failed programming/);
  });

  it('a CommanderError -> UsageError (3)', function () {
    assert.strictEqual(mapError(new CommanderError(1, 'commander.unknownOption', "error: unknown option '--x'")).exitCode, 3);
  });

  it('anything else -> InternalError (70) asking for --verbose', function () {
    const err = mapError(new TypeError('x is undefined'));
    assert.strictEqual(err.exitCode, 70);
    assert.match(err.hint ?? '', /--verbose/);
  });

  it('describeError prints causes only with --verbose', function () {
    const root = new Error('root cause');
    const err = new E.OperationFailedError('it failed', { hint: 'do this', cause: new Error('middle', { cause: root }) });
    assert.deepStrictEqual(describeError(err, false), ['it failed', 'hint: do this']);
    const verbose = describeError(err, true).join('\n');
    assert.match(verbose, /caused by: Error: middle/);
    assert.match(verbose, /caused by: Error: root cause/);
  });

  it('a user error prints one line plus hint, never a stack trace; --verbose adds the causes', async function () {
    const h = harness();
    h.workspace.openError = pulumiError(LOCKED_STDERR);
    const r = await imctl(h, 'up');
    assert.strictEqual(r.code, 5);
    const lines = r.stderr.trim().split('\n');
    assert.strictEqual(lines.length, 2, r.stderr);
    assert.match(lines[0], /^error: stack dev is locked/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
    const v = await imctl(h, '--verbose', 'up');
    assert.match(v.stderr, /caused by: ConcurrentUpdateError/);
  });

  it('--json errors are the envelope on stdout (ok false, the exit code and its name); stderr keeps the human line', async function () {
    const h = harness();
    h.workspace.openError = pulumiError(LOCKED_STDERR);
    const r = await imctl(h, '--json', 'up');
    assert.strictEqual(r.code, 5);
    const obj = errorOf(r.stdout);
    assert.strictEqual(obj.error.code, 'LOCKED');
    assert.strictEqual(obj.exitCode, 5);
    assert.deepStrictEqual([obj.command, obj.stack, obj.ok], ['up', 'dev', false]);
    assert.match(obj.error.hint ?? '', /imctl unlock/);
    assert.strictEqual(r.stdout.trim().split('\n').length, 1);
    assert.match(r.stderr, /^error: stack dev is locked by another update/m);
  });

  it('--json usage errors from the parser are an envelope too, naming the command', async function () {
    const r = await imctl(harness(), '--json', 'status', '--bogus');
    assert.strictEqual(r.code, 3);
    const obj = errorOf(r.stdout);
    assert.deepStrictEqual([obj.command, obj.stack, obj.exitCode, obj.error.code], ['status', null, 3, 'USAGE']);
    assert.match(obj.error.message, /unknown option '--bogus'/);
    assert.strictEqual(errorOf((await imctl(harness(), '--json', 'stauts')).stdout).command, null);
  });

  it('an unexpected failure exits 70 with one line', async function () {
    const h = harness();
    h.workspace.openError = new TypeError('boom');
    const r = await imctl(h, 'up');
    assert.strictEqual(r.code, 70);
    assert.match(r.stderr, /^error: unexpected error: boom\nhint: rerun with --verbose/);
  });
});

function EXIT_CODES(): number[] {
  return Object.values(E.ExitCode);
}
