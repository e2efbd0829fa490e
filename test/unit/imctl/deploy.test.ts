// up / preview / destroy / refresh / outputs / unlock through the injected Automation API.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PulumiMissingError } from '../../../automation/errors';
import type { EngineEvent } from '../../../automation/pulumi/stackOps';
import { enoentError, FakePrompter, harness, imctl, LOCKED_STDERR, pulumiError } from './support/fakes';
import { resultOf } from './support/envelope';

const URN = 'urn:pulumi:dev::imstack::imstack:tiers:DataTier$docker:index/container:Container::imstack-dev-postgres';

function preEvent(op: string, diffs?: string[]): EngineEvent {
  return { sequence: 1, timestamp: 100, resourcePreEvent: { metadata: { op, urn: URN, type: 'docker:index/container:Container', provider: '', diffs } } } as unknown as EngineEvent;
}
function outEvent(op: string): EngineEvent {
  return { sequence: 2, timestamp: 104, resOutputsEvent: { metadata: { op, urn: URN, type: 'docker:index/container:Container', provider: '' } } } as unknown as EngineEvent;
}

describe('imctl: deploy commands (Automation API injected)', function () {
  it('up opens/creates the stack with the backend URL and passphrase in the child env, shows progress, the summary and the URLs', async function () {
    const h = harness();
    const s = h.workspace.stack('dev');
    s.events = [preEvent('create'), outEvent('create')];
    s.upResult = {
      changes: { create: 9, same: 2 },
      outputs: {
        publicUrl: { value: 'http://localhost:8080', secret: false },
        urls: { value: { web: 'http://localhost:8080/', api: 'http://localhost:8080/api', health: 'http://localhost:8080/health' }, secret: false },
        databaseUrl: { value: 'postgres://imstack_app:zzzSECRETzzz@postgres:5432/imstack', secret: true },
      },
    };
    const r = await imctl(h, 'up');
    assert.strictEqual(r.code, 0, r.stderr);
    assert.deepStrictEqual(h.workspace.opens[0], { stack: 'dev', opts: { create: true, envVars: { PULUMI_BACKEND_URL: 'file:///tmp/imctl-unit-state', PULUMI_SKIP_UPDATE_CHECK: 'true', PULUMI_CONFIG_PASSPHRASE: 'unit-test-passphrase' } } });
    assert.match(r.stderr, /\+ create… +docker:Container imstack-dev-postgres/);
    assert.match(r.stderr, /✓ created imstack-dev-postgres \(4s\)/);
    assert.match(r.stdout, /Changes: 9 created, 2 unchanged/);
    assert.match(r.stdout, /public +http:\/\/localhost:8080\n/);
    assert.match(r.stdout, /health +http:\/\/localhost:8080\/health/);
    assert.doesNotMatch(r.stdout + r.stderr, /zzzSECRETzzz|unit-test-passphrase/);
  });

  it('up passes --refresh, --target and --diff, and --diff names the changed properties', async function () {
    const h = harness();
    const s = h.workspace.stack('dev');
    s.events = [preEvent('replace', ['envs', 'image'])];
    const r = await imctl(h, 'up', '--refresh', '--diff', '--target', 'urn:a', 'urn:b');
    assert.strictEqual(r.code, 0, r.stderr);
    const opts = s.calls.find((c) => c.op === 'up')!.opts as { refresh: boolean; target: string[]; diff: boolean; signal: AbortSignal };
    assert.deepStrictEqual([opts.refresh, opts.target, opts.diff], [true, ['urn:a', 'urn:b'], true]);
    assert.ok(opts.signal instanceof AbortSignal);
    assert.match(r.stderr, /imstack-dev-postgres \(envs, image\)/);
  });

  it('up --json streams engine events as NDJSON, masks secret values, and ends with the result envelope', async function () {
    const h = harness();
    const s = h.workspace.stack('dev');
    const secretEvent = { sequence: 3, timestamp: 1, resOutputsEvent: { metadata: { op: 'create', urn: URN, type: 't', provider: '', new: { outputs: { envs: { '4dabf18193072939515e22adb298388d': '1b47061264138c4ac30d75fd1eb44270', value: ['P=hunter2hunter2'] } } } } } } as unknown as EngineEvent;
    s.events = [preEvent('create'), secretEvent];
    const r = await imctl(h, '--json', 'up');
    assert.strictEqual(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.strictEqual(lines.length, 3);
    assert.ok(lines[0].resourcePreEvent);
    assert.doesNotMatch(r.stdout, /hunter2/);
    assert.match(r.stdout, /"envs":"\[secret\]"/);
    assert.deepStrictEqual(Object.keys(lines[2]), ['command', 'stack', 'ok', 'exitCode', 'result']);
    assert.deepStrictEqual(Object.keys(resultOf(r.stdout, 'up') as object), ['changes', 'urls']);
  });

  it('up failing in the engine exits 10 with the first error diagnostic', async function () {
    const h = harness();
    const s = h.workspace.stack('dev');
    s.events = [{ sequence: 1, timestamp: 1, diagnosticEvent: { urn: URN, message: 'Error: port is already allocated\n', color: 'never', severity: 'error' } } as EngineEvent];
    s.upResult = pulumiError('error: update failed');
    const r = await imctl(h, 'up');
    assert.strictEqual(r.code, 10);
    assert.match(r.stderr, /error: up failed: Error: port is already allocated/);
  });

  it('preview exits 0 with changes, and 9 with --expect-no-changes', async function () {
    const h = harness();
    const s = h.workspace.stack('dev');
    s.previewResult = { changes: { update: 1, same: 11 } };
    let r = await imctl(h, 'preview');
    assert.strictEqual(r.code, 0);
    assert.match(r.stdout, /Planned: 1 updated, 11 unchanged/);
    r = await imctl(h, 'preview', '--expect-no-changes');
    assert.strictEqual(r.code, 9);
    assert.match(r.stderr, /changes are pending/);
    s.previewResult = { changes: { same: 12 } };
    r = await imctl(h, 'preview', '--expect-no-changes');
    assert.strictEqual(r.code, 0);
    assert.match(r.stdout, /\(no changes\)/);
  });

  it('preview --json reports changesPresent', async function () {
    const h = harness();
    h.workspace.stack('dev').previewResult = { changes: { create: 2 } };
    const r = await imctl(h, '--json', 'preview', '--expect-no-changes');
    assert.strictEqual(r.code, 9);
    assert.deepStrictEqual(resultOf<{ changesPresent: boolean }>(r.stdout, 'preview').changesPresent, true);
  });

  it('destroy without a terminal and without --yes refuses (11) and destroys nothing', async function () {
    const h = harness();
    const s = h.workspace.stack('dev');
    const r = await imctl(h, 'destroy');
    assert.strictEqual(r.code, 11);
    assert.match(r.stderr, /pass --yes/);
    assert.ok(!s.calls.some((c) => c.op === 'destroy'));
  });

  it('destroy asks y/N in dev, keeps volumes, and says so', async function () {
    const h = harness();
    const s = h.workspace.stack('dev');
    h.prompter = new FakePrompter(true, ['y']);
    const r = await imctl(h, 'destroy');
    assert.strictEqual(r.code, 0, r.stderr);
    assert.match(h.prompter.questions[0], /Destroy stack dev\? .*volumes are kept.*\[y\/N\]/);
    assert.ok(s.calls.some((c) => c.op === 'destroy'));
    assert.deepStrictEqual(h.docker.actions, []);
    assert.match(r.stdout, /Data volumes kept/);
    h.prompter = new FakePrompter(true, ['n']);
    s.calls = [];
    const no = await imctl(h, 'destroy');
    assert.strictEqual(no.code, 11);
    assert.ok(!s.calls.some((c) => c.op === 'destroy'));
  });

  it('destroy in prod requires typing the stack name unless --yes', async function () {
    const h = harness();
    const s = h.workspace.stack('prod');
    h.prompter = new FakePrompter(true, ['yes']);
    let r = await imctl(h, '--stack', 'prod', 'destroy');
    assert.strictEqual(r.code, 11);
    assert.match(r.stderr, /does not match prod/);
    assert.match(h.prompter.questions[0], /Type the stack name \(prod\)/);
    h.prompter = new FakePrompter(true, ['prod']);
    r = await imctl(h, '--stack', 'prod', 'destroy');
    assert.strictEqual(r.code, 0, r.stderr);
    s.calls = [];
    h.prompter = new FakePrompter(false);
    r = await imctl(h, '--stack', 'prod', '--yes', 'destroy');
    assert.strictEqual(r.code, 0);
    assert.ok(s.calls.some((c) => c.op === 'destroy'));
  });

  it('a stack whose outputs say environment=prod is treated as production', async function () {
    const h = harness();
    h.workspace.stack('live').outputsResult = { environment: { value: 'prod', secret: false } };
    h.prompter = new FakePrompter(true, ['y']);
    const r = await imctl(h, '--stack', 'live', 'destroy');
    assert.strictEqual(r.code, 11);
    assert.match(h.prompter.questions[0], /Type the stack name \(live\)/);
  });

  it('destroy --purge-data removes the labelled volumes after the destroy', async function () {
    const h = harness();
    const s = h.workspace.stack('dev');
    const r = await imctl(h, '--yes', 'destroy', '--purge-data');
    assert.strictEqual(r.code, 0, r.stderr);
    assert.deepStrictEqual(h.docker.actions, ['rm volume imstack-dev-postgres', 'rm volume imstack-dev-backups']);
    assert.strictEqual(s.calls.filter((c) => c.op === 'destroy').length, 1);
    assert.match(r.stdout, /Removed volumes: imstack-dev-postgres, imstack-dev-backups/);
  });

  it('destroy --purge-data keeps the volumes when the destroy fails', async function () {
    const h = harness();
    h.workspace.stack('dev').destroyResult = pulumiError('error: destroy failed');
    const r = await imctl(h, '--yes', 'destroy', '--purge-data');
    assert.strictEqual(r.code, 10);
    assert.deepStrictEqual(h.docker.actions, []);
  });

  it('destroy, refresh, outputs and unlock of a missing stack exit 6', async function () {
    for (const cmd of [['--yes', 'destroy'], ['refresh'], ['outputs'], ['--yes', 'unlock']]) {
      const h = harness();
      const r = await imctl(h, '--stack', 'prod', ...cmd);
      assert.strictEqual(r.code, 6, cmd.join(' '));
      assert.match(r.stderr, /stack prod does not exist/);
      assert.strictEqual(h.workspace.opens[0].opts.create, false);
    }
  });

  it('refresh prints its summary', async function () {
    const h = harness();
    h.workspace.stack('dev').refreshResult = { changes: { same: 10, update: 1 } };
    const r = await imctl(h, 'refresh');
    assert.strictEqual(r.code, 0);
    assert.match(r.stdout, /Refreshed: 1 updated, 10 unchanged/);
  });

  it('outputs masks secrets unless --show-secrets', async function () {
    const h = harness();
    h.workspace.stack('dev').outputsResult = {
      publicUrl: { value: 'http://localhost:8080', secret: false },
      redisUrl: { value: 'redis://:qqqSECRETqqq@redis:6379/0', secret: true },
    };
    let r = await imctl(h, 'outputs');
    assert.strictEqual(r.code, 0);
    assert.match(r.stdout, /publicUrl: http:\/\/localhost:8080/);
    assert.match(r.stdout, /redisUrl: \[secret\]/);
    assert.doesNotMatch(r.stdout, /qqqSECRETqqq/);
    r = await imctl(h, '--json', 'outputs');
    assert.deepStrictEqual(resultOf(r.stdout, 'outputs'), { publicUrl: 'http://localhost:8080', redisUrl: '[secret]' });
    r = await imctl(h, '--json', 'outputs', '--show-secrets');
    assert.strictEqual(resultOf<{ redisUrl: string }>(r.stdout).redisUrl, 'redis://:qqqSECRETqqq@redis:6379/0');
  });

  it('unlock confirms, then cancels (clears the lock)', async function () {
    const h = harness();
    const s = h.workspace.stack('dev');
    let r = await imctl(h, 'unlock');
    assert.strictEqual(r.code, 11);
    assert.ok(!s.calls.some((c) => c.op === 'cancel'));
    h.prompter = new FakePrompter(true, ['y']);
    r = await imctl(h, 'unlock');
    assert.strictEqual(r.code, 0);
    assert.match(h.prompter.questions[0], /no imctl or pulumi update is running/);
    assert.ok(s.calls.some((c) => c.op === 'cancel'));
    assert.match(r.stdout, /unlocked/);
  });

  it('a locked stack exits 5 for every deploy command', async function () {
    for (const cmd of ['up', 'preview', 'refresh']) {
      const h = harness();
      const s = h.workspace.stack('dev');
      s.upResult = s.previewResult = s.refreshResult = pulumiError(LOCKED_STDERR) as never;
      const r = await imctl(h, cmd);
      assert.strictEqual(r.code, 5, cmd);
    }
  });

  it('Ctrl-C during up aborts the operation through its AbortSignal and exits 130; a second Ctrl-C exits at once', async function () {
    const h = harness();
    const s = h.workspace.stack('dev');
    s.upResult = (async (opts: { signal: AbortSignal }) => {
      h.interrupts.fire();
      assert.ok(opts.signal.aborted, 'signal aborted by the first interrupt');
      h.interrupts.fire();
      throw pulumiError('error: update canceled');
    }) as never;
    const r = await imctl(h, 'up');
    assert.strictEqual(r.code, 130);
    assert.match(r.stderr, /cancelling up gracefully \(Ctrl-C again to exit immediately\)/);
    assert.deepStrictEqual(h.interrupts.exits, [130]);
    assert.strictEqual(h.interrupts.handlers.size, 0, 'handler removed after the operation');
  });

  describe('passphrase', function () {
    it('missing, without a terminal: exit 4 with one clear line', async function () {
      const h = harness();
      delete h.env.PULUMI_CONFIG_PASSPHRASE;
      const r = await imctl(h, 'up');
      assert.strictEqual(r.code, 4);
      assert.match(r.stderr, /^error: no Pulumi passphrase: stdin is not a terminal/);
      assert.strictEqual(h.workspace.opens.length, 0);
    });

    it('PULUMI_CONFIG_PASSPHRASE_FILE is passed through; an unreadable one exits 4 naming the file', async function () {
      const h = harness();
      delete h.env.PULUMI_CONFIG_PASSPHRASE;
      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'imctl-')), 'pass');
      fs.writeFileSync(file, 'file-passphrase\n');
      h.env.PULUMI_CONFIG_PASSPHRASE_FILE = file;
      let r = await imctl(h, 'up');
      assert.strictEqual(r.code, 0, r.stderr);
      assert.strictEqual(h.workspace.opens[0].opts.envVars.PULUMI_CONFIG_PASSPHRASE_FILE, file);
      assert.strictEqual(h.workspace.opens[0].opts.envVars.PULUMI_CONFIG_PASSPHRASE, undefined);
      h.env.PULUMI_CONFIG_PASSPHRASE_FILE = `${file}.missing`;
      r = await imctl(h, 'up');
      assert.strictEqual(r.code, 4);
      assert.match(r.stderr, /PULUMI_CONFIG_PASSPHRASE_FILE .*\.missing cannot be read \(ENOENT\)/);
    });

    it('on a terminal it is asked for without echo and passed only through the environment', async function () {
      const h = harness();
      delete h.env.PULUMI_CONFIG_PASSPHRASE;
      h.prompter = new FakePrompter(true, ['typed-secret-passphrase']);
      h.workspace.stack('dev').upResult = pulumiError('error: passphrase must be set; typed-secret-passphrase is wrong');
      const r = await imctl(h, 'up');
      assert.strictEqual(h.workspace.opens[0].opts.envVars.PULUMI_CONFIG_PASSPHRASE, 'typed-secret-passphrase');
      assert.strictEqual(r.code, 10);
      assert.doesNotMatch(r.stderr, /typed-secret-passphrase/, 'the passphrase is redacted even from pulumi errors');
      assert.match(r.stderr, /\[secret\] is wrong/);
    });
  });

  describe('state backend', function () {
    it('defaults to file://<project>/.pulumi-state and creates the directory', async function () {
      const project = fs.mkdtempSync(path.join(os.tmpdir(), 'imctl-project-'));
      const h = harness(project);
      delete h.env.PULUMI_BACKEND_URL;
      const r = await imctl(h, 'up');
      assert.strictEqual(r.code, 0, r.stderr);
      assert.strictEqual(h.workspace.opens[0].opts.envVars.PULUMI_BACKEND_URL, `file://${project}/.pulumi-state`);
      assert.ok(fs.statSync(path.join(project, '.pulumi-state')).isDirectory());
    });
  });

  describe('missing Pulumi CLI', function () {
    it('says so with install instructions (7) and does not install without consent', async function () {
      const h = harness();
      h.workspace.openError = enoentError();
      const r = await imctl(h, 'up');
      assert.strictEqual(r.code, 7);
      assert.match(r.stderr, /^error: the Pulumi CLI is not installed/);
      assert.match(r.stderr, /curl -fsSL https:\/\/get\.pulumi\.com \| sh/);
      assert.strictEqual(h.workspace.installs, 0);
    });

    it('--install-pulumi tries PulumiCommand.install; "fetch failed" ends cleanly with 7', async function () {
      const h = harness();
      h.workspace.openError = enoentError();
      h.workspace.installError = new Error('Failed to download https://get.pulumi.com/install.sh: fetch failed');
      const r = await imctl(h, '--install-pulumi', 'up');
      assert.strictEqual(r.code, 7);
      assert.strictEqual(h.workspace.installs, 1);
      assert.match(r.stderr, /installing it failed: Failed to download https:\/\/get\.pulumi\.com\/install\.sh: fetch failed/);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    });

    it('is said before the passphrase is asked for (issue 15, item 6)', async function () {
      const h = harness();
      h.workspace.installed = null;
      delete h.env.PULUMI_CONFIG_PASSPHRASE;
      // On a terminal: the install is offered first (declined here), and no passphrase is asked.
      h.prompter = new FakePrompter(true, ['n', 'typed-passphrase']);
      let r = await imctl(h, 'up');
      assert.strictEqual(r.code, 7, r.stderr);
      assert.match(h.prompter.questions[0] ?? '', /Pulumi CLI is not installed. Download and install it now/);
      assert.ok(!h.prompter.questions.some((q) => /passphrase/i.test(q)), `asked: ${h.prompter.questions.join(' | ')}`);
      assert.match(r.stderr, /^error: the Pulumi CLI is not installed/);
      // Without a terminal: exit 7 (Pulumi missing), not 4 (no passphrase).
      h.prompter = new FakePrompter(false);
      r = await imctl(h, 'up');
      assert.strictEqual(r.code, 7, r.stderr);
      assert.doesNotMatch(r.stderr, /passphrase/);
      assert.strictEqual(h.workspace.opens.length, 0);
    });

    it('a CLI that is there but cannot be used says why, still before the passphrase', async function () {
      const h = harness();
      delete h.env.PULUMI_CONFIG_PASSPHRASE;
      h.prompter = new FakePrompter(true, ['typed-passphrase']);
      h.workspace.version = async () => {
        throw new PulumiMissingError('the Pulumi CLI cannot be used: minimum version 3.100.0, found 3.1.0', { hint: 'upgrade it' });
      };
      const r = await imctl(h, 'up');
      assert.strictEqual(r.code, 7);
      assert.match(r.stderr, /cannot be used: minimum version/);
      assert.strictEqual(h.prompter.questions.length, 0);
    });

    it('on a terminal it offers the install and, once installed, carries on', async function () {
      const h = harness();
      h.workspace.openErrors = [enoentError()];
      h.prompter = new FakePrompter(true, ['y']);
      const r = await imctl(h, 'up');
      assert.strictEqual(r.code, 0, r.stderr);
      assert.match(h.prompter.questions[0], /Pulumi CLI is not installed. Download and install it now/);
      assert.strictEqual(h.workspace.installs, 1);
      assert.strictEqual(h.workspace.opens.length, 2);
      assert.match(r.stderr, /installed Pulumi CLI 3\.200\.0/);
    });
  });
});

describe('imctl up: the object-store engine guard', function () {
  const project = (stackFile: string) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'imctl-engine-'));
    fs.writeFileSync(path.join(dir, 'Pulumi.dev.yaml'), stackFile);
    return dir;
  };

  it('refuses (exit 4) to update a minio stack whose stack file names no engine, before the update starts', async function () {
    const h = harness(project('config:\n  imstack:environment: dev\n'));
    const s = h.workspace.stack('dev');
    s.outputsResult = { objectStore: { value: { engine: 'minio', bucket: 'imstack' }, secret: false } };
    const r = await imctl(h, 'up');
    assert.strictEqual(r.code, 4, r.stderr);
    assert.match(r.stderr, /stores its objects in minio.*names no objectStore\.engine/);
    assert.match(r.stderr, /Nothing was changed/);
    assert.match(r.stderr, /pulumi config set --path objectStore\.engine minio/);
    assert.ok(!s.calls.some((c) => c.op === 'up'), 'the update ran');
  });

  it('goes ahead when the stack file names the new engine (the migration) or the engine is unchanged', async function () {
    for (const [file, deployed] of [['config:\n  imstack:objectStore:\n    engine: seaweedfs\n', 'minio'], ['config: {}\n', 'seaweedfs']]) {
      const h = harness(project(file));
      const s = h.workspace.stack('dev');
      s.outputsResult = { objectStore: { value: { engine: deployed }, secret: false } };
      const r = await imctl(h, 'up');
      assert.strictEqual(r.code, 0, r.stderr);
      assert.ok(s.calls.some((c) => c.op === 'up'), `no update for ${deployed} with ${JSON.stringify(file)}`);
    }
  });
});
