// Parsing, help text and global options of imctl.
import * as assert from 'assert';
import { buildProgram } from '../../../automation/app';
import { EXIT_CODE_TABLE } from '../../../automation/errors';
import { harness, imctl } from './support/fakes';

describe('imctl: parsing and help', function () {
  it('buildProgram() registers every command with a description', function () {
    const program = buildProgram({ env: {} });
    const names = program.commands.map((c) => c.name());
    for (const n of ['up', 'preview', 'destroy', 'refresh', 'outputs', 'unlock', 'status', 'start', 'stop', 'restart', 'logs', 'health', 'rotate', 'doctor']) {
      assert.ok(names.includes(n), `missing command ${n}`);
    }
    for (const c of program.commands) assert.ok(c.description().length > 10, `${c.name()} has no description`);
  });

  it('--help lists commands by group and ends with the exit code table', async function () {
    const h = harness();
    const r = await imctl(h, '--help');
    assert.strictEqual(r.code, 0);
    for (const g of ['Deploy:', 'Containers:', 'Health and diagnostics:', 'Maintenance:']) assert.ok(r.stdout.includes(g), g);
    for (const [code, text] of EXIT_CODE_TABLE) assert.ok(r.stdout.includes(`${String(code).padStart(3)}  ${text}`), `exit ${code}`);
    assert.match(r.stdout, /PULUMI_CONFIG_PASSPHRASE/);
  });

  const subcommandFlags: Record<string, string[]> = {
    up: ['--refresh', '--target <urn...>', '--diff'],
    preview: ['--diff', '--expect-no-changes'],
    destroy: ['--purge-data'],
    outputs: ['--show-secrets'],
    logs: ['--follow', '--tail <lines>', '--since <time>'],
    health: ['--min-free <size>', '--timeout <duration>'],
    start: ['--timeout <duration>'],
    stop: ['--grace <duration>'],
    restart: ['--grace <duration>', '--timeout <duration>'],
    rotate: ['--no-up', 'postgres', 'redis', 'minio', 'jwt', 'backup', 'all'],
    doctor: ['--min-free <size>'],
  };
  for (const [cmd, flags] of Object.entries(subcommandFlags)) {
    it(`${cmd} --help documents ${flags.join(' ')}`, async function () {
      const r = await imctl(harness(), cmd, '--help');
      assert.strictEqual(r.code, 0);
      assert.match(r.stdout, new RegExp(`^Usage: imctl ${cmd}`, 'm'));
      for (const f of flags) assert.ok(r.stdout.includes(f), `${cmd} help lacks ${f}:\n${r.stdout}`);
    });
  }

  it('--version prints the package version and exits 0', async function () {
    const r = await imctl(harness(), '--version');
    assert.strictEqual(r.code, 0);
    assert.match(r.stdout, /^\d+\.\d+\.\d+/);
  });

  it('an unknown command is a usage error (3) with a suggestion', async function () {
    const r = await imctl(harness(), 'stauts');
    assert.strictEqual(r.code, 3);
    assert.match(r.stderr, /unknown command 'stauts'/);
    assert.match(r.stderr, /Did you mean status\?/);
  });

  it('an unknown option is a usage error (3)', async function () {
    const r = await imctl(harness(), 'status', '--bogus');
    assert.strictEqual(r.code, 3);
    assert.match(r.stderr, /unknown option '--bogus'/);
  });

  it('a missing argument is a usage error (3)', async function () {
    const r = await imctl(harness(), 'rotate');
    assert.strictEqual(r.code, 3);
    assert.match(r.stderr, /missing required argument 'secret'/);
  });

  it('--stack defaults to IMSTACK_STACK, else dev; the flag wins, before or after the command', async function () {
    const h = harness();
    h.docker.containers.forEach((c) => (c.stack = 'staging'));
    let r = await imctl(h, 'status');
    assert.strictEqual(r.code, 6, 'dev has no containers');
    h.env.IMSTACK_STACK = 'staging';
    r = await imctl(h, 'status');
    assert.strictEqual(r.code, 0, r.stderr);
    delete h.env.IMSTACK_STACK;
    assert.strictEqual((await imctl(h, '--stack', 'staging', 'status')).code, 0);
    assert.strictEqual((await imctl(h, 'status', '-s', 'staging')).code, 0);
  });

  it('an invalid stack name is a usage error (3)', async function () {
    const r = await imctl(harness(), '--stack', 'a b;rm', 'status');
    assert.strictEqual(r.code, 3);
    assert.match(r.stderr, /invalid stack name/);
  });

  it('the stack-name rule is the job contract\'s: dev_1 and Dev are refused up front (3), not by the backup job later', async function () {
    for (const name of ['dev_1', 'Dev', 'a.b']) {
      const r = await imctl(harness(), '--stack', name, 'status');
      assert.strictEqual(r.code, 3, name);
      assert.match(r.stderr, /invalid stack name[\s\S]*lowercase letters, digits and dashes/);
    }
  });

  it('colour is off for non-terminals, on with FORCE_COLOR, and off again with --no-color or NO_COLOR', async function () {
    const h = harness();
    assert.doesNotMatch((await imctl(h, 'status')).stdout, /\u001b\[/);
    h.env.FORCE_COLOR = '1';
    assert.match((await imctl(h, 'status')).stdout, /\u001b\[32mrunning/);
    assert.doesNotMatch((await imctl(h, 'status', '--no-color')).stdout, /\u001b\[/);
    h.env.NO_COLOR = '';
    assert.doesNotMatch((await imctl(h, 'status')).stdout, /\u001b\[/);
  });
});
