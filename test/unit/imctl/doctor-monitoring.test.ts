// imctl doctor's "alert receivers": with monitoring on and no receiver it warns (alerts would
// reach no one) and says which key to set; with receivers it counts them; with monitoring off it
// says so. Read from Pulumi.<stack>.yaml without the passphrase: a receiver's secret stays encrypted.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { alertReceiversCheck } from '../../../automation/commands/doctor';
import { configuredMonitoring } from '../../../automation/health/monitoringConfig';
import { NO_RECEIVER_PROBLEM } from '../../../monitoring/prometheus/receivers';
import { harness, imctl } from './support/fakes';
import { resultOf } from './support/envelope';

const dirs: string[] = [];
function project(stack: string, stackYaml?: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'imctl-doctor-mon-'));
  dirs.push(dir);
  fs.writeFileSync(path.join(dir, 'Pulumi.yaml'), 'name: imstack\nruntime: nodejs\n');
  if (stackYaml !== undefined) fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), stackYaml);
  return dir;
}

const TWO_RECEIVERS = `config:
  imstack:environment: prod
  imstack:monitoring:
    enabled: true
    receivers:
      - kind: webhook
        name: ops
        url: https://hooks.example.net/imstack
        token:
          secure: v1:c2VjcmV0LXdlYmhvb2stdG9rZW4=:NOTREALLYENCRYPTED
      - kind: email
        name: oncall
        to: oncall@example.net
        from: imstack@example.net
        smarthost: smtp.example.net:587
        authUsername: imstack
        password:
          secure: v1:c2VjcmV0LXNtdHAtcGFzc3dvcmQ=:NOTREALLYENCRYPTED
`;

interface Check { name: string; status: string; detail: string; fix?: string }

async function receiversRow(stack: string, stackYaml?: string): Promise<{ row: Check; code: number; stdout: string }> {
  const h = harness(project(stack, stackYaml));
  const r = await imctl(h, '--stack', stack, '--json', 'doctor');
  const row = resultOf<{ checks: Check[] }>(r.stdout, 'doctor').checks.find((c) => c.name === 'alert receivers');
  assert.ok(row, r.stdout);
  return { row, code: r.code, stdout: r.stdout };
}

describe('imctl: doctor, alert receivers', function () {
  after(function () {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('monitoring on without a receiver: warns with the problem and the key to set, without failing doctor', async function () {
    const h = harness(project('prod', 'config:\n  imstack:monitoring:\n    enabled: true\n'));
    const r = await imctl(h, '--stack', 'prod', 'doctor');
    assert.strictEqual(r.code, 0, r.stdout);
    assert.match(r.stdout, /^alert receivers +warn +no alert receiver is configured: alerts stay in Alertmanager and reach no one$/m, r.stdout);
    assert.match(r.stdout, /^ {2}alert receivers: add one under imstack:monitoring\.receivers in Pulumi\.prod\.yaml \(kind webhook: name, url; kind email: name, to, from, smarthost\), its token or password as a secret: pulumi config set --secret --path 'monitoring\.receivers\[0\]\.token' <token> \(docs\/config\.md#monitoring\)$/m);
    assert.match(r.stdout, /doctor: ready/);
  });

  it('the warning is the renderer\'s own NO_RECEIVER_PROBLEM, in --json too', async function () {
    const { row } = await receiversRow('prod', 'config:\n  imstack:monitoring:\n    enabled: true\n    receivers: []\n');
    assert.strictEqual(row.status, 'warn');
    assert.strictEqual(row.detail, NO_RECEIVER_PROBLEM);
    assert.match(row.fix ?? '', /imstack:monitoring\.receivers.*docs\/config\.md#monitoring/);
  });

  it('prod is monitored by default: a prod stack file that names no monitoring warns too', async function () {
    for (const [stack, yaml] of [['prod', 'config: {}\n'], ['staging', 'config:\n  imstack:environment: prod\n'], ['prod', undefined]] as const) {
      const { row } = await receiversRow(stack, yaml);
      assert.strictEqual(row.status, 'warn', `${stack}: ${JSON.stringify(row)}`);
      assert.strictEqual(row.detail, NO_RECEIVER_PROBLEM);
    }
  });

  it('receivers configured: ok with their count, and no secret read or shown', async function () {
    const { row, stdout } = await receiversRow('prod', TWO_RECEIVERS);
    assert.deepStrictEqual(row, { name: 'alert receivers', status: 'ok', detail: '2 configured' });
    assert.doesNotMatch(stdout, /NOTREALLYENCRYPTED|c2VjcmV0/);
  });

  it('monitoring off: an ok row saying so (dev by default, or explicitly off)', async function () {
    let { row } = await receiversRow('dev', 'config: {}\n');
    assert.deepStrictEqual(row, { name: 'alert receivers', status: 'ok', detail: 'monitoring is off (the default outside prod): no alerts to send' });
    ({ row } = await receiversRow('prod', 'config:\n  imstack:monitoring:\n    enabled: "false"\n'));
    assert.deepStrictEqual(row, { name: 'alert receivers', status: 'ok', detail: 'monitoring is off: no alerts to send' });
  });

  it('a monitoring setting that is not one: warns that it cannot be read, names the key', async function () {
    for (const yaml of ['config:\n  imstack:monitoring: yes-please\n', 'config:\n  imstack:monitoring:\n    enabled: maybe\n', 'config:\n  imstack:monitoring:\n    receivers: ops\n', 'config: [\n']) {
      const { row, code } = await receiversRow('prod', yaml);
      assert.strictEqual(row.status, 'warn', yaml);
      assert.strictEqual(row.detail, 'cannot read imstack:monitoring from Pulumi.prod.yaml');
      assert.strictEqual(code, 0);
    }
  });

  it('follows the environment as parseConfig does, and plain data is all the check needs', function () {
    assert.deepStrictEqual(configuredMonitoring(project('prod', 'config:\n  imstack:environment: dev\n'), 'prod'), { enabled: false, receiverCount: 0, explicit: false });
    assert.deepStrictEqual(configuredMonitoring(project('prod', 'config:\n  imstack:monitoring:\n    enabled: "true"\n'), 'prod'), { enabled: true, receiverCount: 0, explicit: true });
    assert.strictEqual(alertReceiversCheck({ enabled: true, receiverCount: 1, explicit: true }, 'prod').detail, '1 configured');
    assert.strictEqual(alertReceiversCheck({ enabled: true, receiverCount: 0, explicit: true }, 'prod').status, 'warn');
  });
});
