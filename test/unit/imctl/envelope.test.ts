// The one --json envelope: its fields, and that every command ends its --json output with it.
import * as assert from 'assert';
import { errorEnvelope, resultEnvelope } from '../../../automation/cli/envelope';
import { exitCodeName, ExitCode, UsageError } from '../../../automation/errors';
import { lastEnvelope } from './support/envelope';
import { harness, imctl } from './support/fakes';

describe('imctl: the --json envelope', function () {
  it('a result carries command, stack, ok (exit code 0) and the exit code', function () {
    assert.deepStrictEqual(resultEnvelope('health', 'dev', 1, { status: 'degraded' }), { command: 'health', stack: 'dev', ok: false, exitCode: 1, result: { status: 'degraded' } });
    assert.strictEqual(resultEnvelope('status', 'dev', 0, []).ok, true);
  });

  it('an error carries the exit code, its stable name, the message and the hint', function () {
    assert.deepStrictEqual(errorEnvelope('restore', 'prod', new UsageError('bad', { hint: 'do this' })), {
      command: 'restore', stack: 'prod', ok: false, exitCode: 3, error: { code: 'USAGE', message: 'bad', hint: 'do this' },
    });
    assert.strictEqual(exitCodeName(ExitCode.RESTORE_ROLLED_BACK), 'RESTORE_ROLLED_BACK');
    assert.strictEqual(exitCodeName(12345), 'INTERNAL');
  });

  for (const args of [['status'], ['health'], ['doctor'], ['preview'], ['refresh'], ['outputs'], ['up'], ['logs'], ['stop', 'web'], ['--yes', 'unlock'], ['rotate', 'jwt', '--no-up']]) {
    it(`${args.join(' ')} --json ends with one envelope`, async function () {
      const h = harness();
      h.workspace.stack('dev');
      const r = await imctl(h, '--json', ...args);
      const env = lastEnvelope(r.stdout);
      assert.strictEqual(env.command, args.filter((a) => !a.startsWith('-'))[0]);
      assert.strictEqual(env.exitCode, r.code);
      assert.strictEqual(r.stdout.trim().split('\n').filter((l) => 'ok' in (JSON.parse(l) as object)).length, 1, 'exactly one envelope');
    });
  }
});
