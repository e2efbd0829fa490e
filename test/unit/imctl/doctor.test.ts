// imctl doctor: each problem named with its fix.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DockerUnreachableError } from '../../../automation/errors';
import { FakePrompter, harness, imctl } from './support/fakes';
import { resultOf } from './support/envelope';

function project(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'imctl-doctor-'));
  fs.writeFileSync(path.join(dir, 'Pulumi.yaml'), 'name: imstack\nruntime: nodejs\n');
  fs.writeFileSync(path.join(dir, 'Pulumi.dev.yaml'), 'config: {}\n');
  return dir;
}

describe('imctl: doctor', function () {
  it('all good: exit 0', async function () {
    const h = harness(project());
    h.workspace.installed = '3.200.0';
    const r = await imctl(h, 'doctor');
    assert.strictEqual(r.code, 0, r.stdout);
    assert.match(r.stdout, /pulumi +ok +Pulumi CLI 3\.200\.0/);
    assert.match(r.stdout, /docker +ok +Docker engine 20\.10\.24 \(API 1\.41\)/);
    assert.match(r.stdout, /passphrase +ok +from PULUMI_CONFIG_PASSPHRASE/);
    assert.match(r.stdout, /doctor: ready/);
  });

  it('Pulumi missing, Docker down, no passphrase: exit 1 with a fix for each', async function () {
    const h = harness(project());
    h.workspace.installed = null;
    delete h.env.PULUMI_CONFIG_PASSPHRASE;
    h.docker.unreachable = new DockerUnreachableError('cannot reach the Docker engine (ECONNREFUSED)', { hint: 'start it (systemctl start docker)' });
    const r = await imctl(h, 'doctor');
    assert.strictEqual(r.code, 1);
    assert.match(r.stdout, /pulumi +fail +Pulumi CLI not installed/);
    assert.match(r.stdout, /docker +fail +cannot reach the Docker engine/);
    assert.match(r.stdout, /passphrase +fail +not set, and there is no terminal/);
    assert.match(r.stdout, /To fix:\n {2}pulumi: install it: curl -fsSL https:\/\/get\.pulumi\.com \| sh/);
    assert.match(r.stdout, /docker: start it \(systemctl start docker\)/);
    assert.match(r.stdout, /passphrase: set PULUMI_CONFIG_PASSPHRASE/);
  });

  it('--install-pulumi tries the install; "fetch failed" is reported as the pulumi problem', async function () {
    const h = harness(project());
    h.workspace.installed = null;
    h.workspace.installError = new Error('Failed to download https://get.pulumi.com/install.sh: fetch failed');
    const r = await imctl(h, '--install-pulumi', 'doctor');
    assert.strictEqual(r.code, 1);
    assert.strictEqual(h.workspace.installs, 1);
    assert.match(r.stdout, /pulumi +fail +.*installing it failed: .*fetch failed/);
  });

  it('--install-pulumi that succeeds turns the check green', async function () {
    const h = harness(project());
    h.workspace.installed = null;
    const r = await imctl(h, '--install-pulumi', 'doctor');
    assert.strictEqual(r.code, 0, r.stdout);
    assert.match(r.stdout, /pulumi +ok +Pulumi CLI 3\.200\.0/);
  });

  it('an old Node, a missing stack file, low disk and a terminal-only passphrase are reported', async function () {
    const h = harness(project());
    h.workspace.installed = '3.200.0';
    delete h.env.PULUMI_CONFIG_PASSPHRASE;
    h.prompter = new FakePrompter(true, ['n']);
    h.probes.space = () => ({ freeBytes: 1024 ** 3, totalBytes: 10 * 1024 ** 3 });
    const r = await imctl(h, '--stack', 'qa', 'doctor');
    assert.match(r.stdout, /passphrase +warn +not set; imctl will ask/);
    assert.match(r.stdout, /project +warn +no Pulumi\.qa\.yaml/);
    assert.match(r.stdout, /disk docker +warn/);
    assert.strictEqual(r.code, 0, 'warnings alone do not fail');
  });

  it('an unreadable PULUMI_CONFIG_PASSPHRASE_FILE fails', async function () {
    const h = harness(project());
    delete h.env.PULUMI_CONFIG_PASSPHRASE;
    h.env.PULUMI_CONFIG_PASSPHRASE_FILE = '/nonexistent/pass';
    const r = await imctl(h, 'doctor');
    assert.strictEqual(r.code, 1);
    assert.match(r.stdout, /passphrase +fail +PULUMI_CONFIG_PASSPHRASE_FILE \/nonexistent\/pass is not readable/);
  });

  it('--json gives ok and the checks', async function () {
    const h = harness(project());
    h.workspace.installed = null;
    const r = await imctl(h, '--json', 'doctor');
    const out = resultOf<{ ok: boolean; checks: Array<{ name: string; status: string; fix?: string }> }>(r.stdout, 'doctor');
    assert.strictEqual(out.ok, false);
    assert.ok(out.checks.find((c) => c.name === 'pulumi')?.fix?.includes('get.pulumi.com'));
  });
});
