// imctl admin grant / revoke / list against fakes: what is exec'd in which backend container,
// how the admin command's JSON answer becomes output and exit codes, --json, and that revoke
// asks first unless --yes.
import * as assert from 'assert';
import { run } from '../../../automation/app';
import type { ContainerExec, ExecLine, ExecOptions, SendLine } from '../../../automation/jobClient/containerExec';
import { ADMIN_CLI } from '../../../automation/commands/admin';
import type { Deps } from '../../../automation/deps';
import { ExitCode } from '../../../automation/errors';
import { depsOf, FakePrompter, harness, type Harness } from './support/fakes';
import { resultOf } from './support/envelope';

type Reply = { code: number; stdout?: string[]; stderr?: string[] };

class FakeExec implements ContainerExec {
  calls: Array<{ id: string; cmd: string[]; opts: ExecOptions }> = [];
  reply: (args: string[]) => Reply = () => ({ code: 0, stdout: ['{"ok":true,"result":{"username":"alice","role":"admin","changed":true}}'] });

  async run(id: string, cmd: readonly string[], opts: ExecOptions, onLine: (l: ExecLine, send: SendLine) => void): Promise<number> {
    this.calls.push({ id, cmd: [...cmd], opts });
    const r = this.reply(cmd.slice(ADMIN_CLI.length));
    for (const text of r.stderr ?? []) onLine({ stream: 'stderr', text }, () => undefined);
    for (const text of r.stdout ?? []) onLine({ stream: 'stdout', text }, () => undefined);
    return r.code;
  }
  async copyOut(): Promise<string> {
    throw new Error('not used');
  }
  async copyIn(): Promise<void> {
    throw new Error('not used');
  }
}

async function cli(h: Harness, exec: FakeExec, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  h.stdout.text = '';
  h.stderr.text = '';
  const code = await run(['node', 'imctl', ...args], depsOf(h), { exec: () => exec });
  return { code, stdout: h.stdout.text, stderr: h.stderr.text };
}

describe('imctl admin', function () {
  it('grant runs the backend\'s admin command in the first running backend, with no stdin and no env', async function () {
    const h = harness();
    const exec = new FakeExec();
    const r = await cli(h, exec, 'admin', 'grant', 'alice');
    assert.strictEqual(r.code, 0, r.stderr);
    assert.deepStrictEqual(exec.calls.map((c) => [c.id, c.cmd]), [['id-imstack-dev-backend-1', ['node', '/app/dist/admin-cli.js', 'grant', 'alice']]]);
    assert.deepStrictEqual(exec.calls[0].opts, { stdin: false });
    assert.strictEqual(r.stdout, 'alice is now an admin on stack dev.\n');
  });

  it('uses the second replica when the first is stopped, and fails clearly when none runs', async function () {
    const h = harness();
    const exec = new FakeExec();
    h.docker.containers.find((c) => c.name === 'imstack-dev-backend-1')!.state = 'exited';
    assert.strictEqual((await cli(h, exec, 'admin', 'grant', 'alice')).code, 0);
    assert.strictEqual(exec.calls[0].id, 'id-imstack-dev-backend-2');
    h.docker.containers.find((c) => c.name === 'imstack-dev-backend-2')!.state = 'exited';
    const r = await cli(h, exec, 'admin', 'grant', 'alice');
    assert.strictEqual(r.code, ExitCode.OPERATION_FAILED);
    assert.match(r.stderr, /no backend container of stack dev is running \(imstack-dev-backend-1: exited, imstack-dev-backend-2: exited\)/);
    assert.match(r.stderr, /imctl start backend/);
  });

  it('says when nothing changed, and prints the JSON result with --json', async function () {
    const h = harness();
    const exec = new FakeExec();
    exec.reply = () => ({ code: 0, stdout: ['{"ok":true,"result":{"username":"alice","role":"admin","changed":false}}'] });
    assert.match((await cli(h, exec, 'admin', 'grant', 'alice')).stdout, /alice already is an admin on stack dev; nothing changed/);
    const j = await cli(h, exec, '--json', 'admin', 'grant', 'alice');
    assert.strictEqual(j.code, 0);
    assert.deepStrictEqual(JSON.parse(j.stdout), { command: 'admin grant', stack: 'dev', ok: true, exitCode: 0, result: { username: 'alice', role: 'admin', changed: false } });
  });

  it('revoke refuses without a terminal or --yes, asks on a terminal, and runs with --yes', async function () {
    const h = harness();
    const exec = new FakeExec();
    exec.reply = () => ({ code: 0, stdout: ['{"ok":true,"result":{"username":"bob","role":"user","changed":true}}'] });
    const refused = await cli(h, exec, 'admin', 'revoke', 'bob');
    assert.strictEqual(refused.code, ExitCode.NOT_CONFIRMED);
    assert.match(refused.stderr, /pass --yes/);
    assert.strictEqual(exec.calls.length, 0, 'nothing may run before the confirmation');

    h.prompter = new FakePrompter(true, ['n']);
    assert.strictEqual((await cli(h, exec, 'admin', 'revoke', 'bob')).code, ExitCode.NOT_CONFIRMED);
    assert.match(h.prompter.questions[0], /Revoke the admin role of bob on stack dev\?/);
    assert.strictEqual(exec.calls.length, 0);

    h.prompter = new FakePrompter(true, ['y']);
    const asked = await cli(h, exec, 'admin', 'revoke', 'bob');
    assert.strictEqual(asked.code, 0, asked.stderr);
    assert.strictEqual(asked.stdout, 'bob is no longer an admin on stack dev.\n');

    h.prompter = new FakePrompter(false);
    const yes = await cli(h, exec, '--json', 'admin', 'revoke', 'bob', '--yes');
    assert.strictEqual(yes.code, 0, yes.stderr);
    assert.deepStrictEqual(resultOf(yes.stdout, 'admin revoke'), { username: 'bob', role: 'user', changed: true });
    assert.deepStrictEqual(exec.calls.map((c) => c.cmd.slice(2)), [['revoke', 'bob'], ['revoke', 'bob']]);
  });

  it('list shows a table (control characters in display names masked), or JSON', async function () {
    const h = harness();
    const exec = new FakeExec();
    const admins = [
      { username: 'alice', displayName: 'Alice A', createdAt: '2025-01-01T10:00:00.000Z' },
      { username: 'mallory', displayName: 'M\u001b[31mred', createdAt: '2025-01-02T11:30:00.000Z' },
    ];
    exec.reply = (args) => (args[0] === 'list' ? { code: 0, stdout: [JSON.stringify({ ok: true, result: { admins } })] } : { code: 1 });
    const r = await cli(h, exec, 'admin', 'list');
    assert.strictEqual(r.code, 0, r.stderr);
    assert.strictEqual(r.stdout, [
      'USERNAME  DISPLAY NAME  REGISTERED',
      'alice     Alice A       2025-01-01 10:00:00',
      'mallory   M?[31mred     2025-01-02 11:30:00',
      '',
    ].join('\n'));
    const j = await cli(h, exec, '--json', 'admin', 'list');
    assert.deepStrictEqual(JSON.parse(j.stdout), { command: 'admin list', stack: 'dev', ok: true, exitCode: 0, result: { admins } });
    exec.reply = () => ({ code: 0, stdout: ['{"ok":true,"result":{"admins":[]}}'] });
    assert.match((await cli(h, exec, 'admin', 'list')).stdout, /has no admins; grant one with `imctl admin grant <username>`/);
  });

  it('maps the command\'s refusals and failures to imctl\'s exit codes, with its message', async function () {
    const h = harness();
    const exec = new FakeExec();
    exec.reply = () => ({ code: 1, stdout: ['{"ok":false,"error":"not_found","message":"no user named \\"zed\\": they must register first"}'] });
    const unknown = await cli(h, exec, 'admin', 'grant', 'zed');
    assert.strictEqual(unknown.code, ExitCode.USAGE);
    assert.match(unknown.stderr, /no user named "zed": they must register first/);

    exec.reply = () => ({ code: 3, stdout: ['{"ok":false,"error":"unavailable","message":"the database is unavailable, try again shortly"}'] });
    const down = await cli(h, exec, 'admin', 'list');
    assert.strictEqual(down.code, ExitCode.OPERATION_FAILED);
    assert.match(down.stderr, /the database is unavailable/);
    assert.match(down.stderr, /imctl health/);

    exec.reply = () => ({ code: 1, stderr: ["Error: Cannot find module '/app/dist/admin-cli.js'"] });
    const foreign = await cli(h, exec, 'admin', 'list');
    assert.strictEqual(foreign.code, ExitCode.OPERATION_FAILED);
    assert.match(foreign.stderr, /has no admin command \(\/app\/dist\/admin-cli\.js\)/);
    assert.match(foreign.stderr, /docs\/app-contract\.md/);

    exec.reply = () => ({ code: 137, stdout: ['half a line'] });
    const killed = await cli(h, exec, 'admin', 'list');
    assert.strictEqual(killed.code, ExitCode.OPERATION_FAILED);
    assert.match(killed.stderr, /exited 137 without an answer/);
  });

  it('is in the static command list, under "Maintenance:"', async function () {
    const h = harness();
    const deps: Partial<Deps> = { docker: h.docker, stdout: h.stdout, stderr: h.stderr, env: h.env, prompter: h.prompter };
    await run(['node', 'imctl', '--help'], deps);
    assert.match(h.stdout.text.split('Maintenance:')[1] ?? '', /\n\s+admin\b/);
    h.stdout.text = '';
    await run(['node', 'imctl', 'admin', '--help'], deps);
    for (const c of ['grant <username>', 'revoke <username>', 'list']) assert.match(h.stdout.text, new RegExp(`\\n  ${c}\\s`));
  });
});
