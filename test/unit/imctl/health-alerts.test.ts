// imctl health with monitoring on: the firing alerts from Alertmanager (amtool in its container),
// silenced and inhibited ones left out, critical ones degraded, warnings listed but ok, and an
// Alertmanager that is missing, stopped or not answering a degraded row instead of a crash.
// The last case runs the real amtool 0.25 (Debian's prometheus-alertmanager) with the command
// line health uses against a real Alertmanager on 127.0.0.1.
import * as assert from 'assert';
import { spawn, spawnSync, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { amtoolQuery, AMTOOL, parseAmtoolAlerts } from '../../../automation/health/alerts';
import type { Probes } from '../../../automation/health/probes';
import type { HealthReport } from '../../../automation/health/report';
import { container, harness, imctl, type Harness } from './support/fakes';
import { resultOf } from './support/envelope';

/**
 * Captured from amtool 0.25.0 (`amtool alert query -a -s -i --output=json`) against
 * prometheus-alertmanager 0.25 on 127.0.0.1, after posting five alerts of our rules, silencing
 * BackupStale and letting PostgresDown inhibit PostgresConnectionsHigh. It holds the suppressed
 * ones too, so the parser is shown to drop them even if amtool's default changed.
 */
const AMTOOL_ALL = '[{"annotations":{"runbook_url":"https://github.com/imstack/imstack/blob/main/docs/alerts.md#alert-postgresconnectionshigh","summary":"PostgreSQL connections at 85% of max_connections"},"endsAt":"2026-12-02T18:25:45.251Z","fingerprint":"23b54625f9bc4c64","receivers":[{"name":"null"}],"startsAt":"2026-12-02T18:12:00.000Z","status":{"inhibitedBy":["e5e23e4e6fa8e43c"],"silencedBy":[],"state":"suppressed"},"updatedAt":"2026-12-02T18:20:45.251Z","labels":{"alertname":"PostgresConnectionsHigh","severity":"warning","stack":"prod"}},{"annotations":{"runbook_url":"https://github.com/imstack/imstack/blob/main/docs/alerts.md#alert-backupstale","summary":"The last successful backup is 1d 3h old"},"endsAt":"2026-12-02T18:25:45.251Z","fingerprint":"733107203ee9d34a","receivers":[{"name":"null"}],"startsAt":"2026-12-02T17:00:00.000Z","status":{"inhibitedBy":[],"silencedBy":["ec5e528b-97bb-47b1-8cfe-383bb4f2bf87"],"state":"suppressed"},"updatedAt":"2026-12-02T18:20:45.251Z","labels":{"alertname":"BackupStale","severity":"critical","stack":"prod"}},{"annotations":{"runbook_url":"https://github.com/imstack/imstack/blob/main/docs/alerts.md#alert-postgresdown","summary":"PostgreSQL is down"},"endsAt":"2026-12-02T18:25:45.251Z","fingerprint":"e5e23e4e6fa8e43c","receivers":[{"name":"null"}],"startsAt":"2026-12-02T18:15:00.000Z","status":{"inhibitedBy":[],"silencedBy":[],"state":"active"},"updatedAt":"2026-12-02T18:20:45.251Z","labels":{"alertname":"PostgresDown","severity":"critical","stack":"prod"}},{"annotations":{"description":"Prometheus cannot scrape redis-exporter:9121.","runbook_url":"https://github.com/imstack/imstack/blob/main/docs/alerts.md#alert-servicedown","summary":"redis target redis-exporter:9121 is down"},"endsAt":"2026-12-02T18:25:45.251Z","fingerprint":"ebf680768e92cb8f","receivers":[{"name":"null"}],"startsAt":"2026-12-02T18:05:00.000Z","status":{"inhibitedBy":[],"silencedBy":[],"state":"active"},"updatedAt":"2026-12-02T18:20:45.251Z","labels":{"alertname":"ServiceDown","instance":"redis-exporter:9121","job":"redis","severity":"critical","stack":"prod"}},{"annotations":{"runbook_url":"https://github.com/imstack/imstack/blob/main/docs/alerts.md#alert-backendhighlatency","summary":"Backend p99 latency is 1.8s"},"endsAt":"2026-12-02T18:25:45.251Z","fingerprint":"f0cd1c3889fabe48","receivers":[{"name":"null"}],"startsAt":"2026-12-02T18:10:00.000Z","status":{"inhibitedBy":[],"silencedBy":[],"state":"active"},"updatedAt":"2026-12-02T18:20:45.251Z","labels":{"alertname":"BackendHighLatency","severity":"warning","stack":"prod"}}]';

/** The same capture as the default query prints it: only the active alerts. */
function activeOnly(json: string): string {
  return JSON.stringify((JSON.parse(json) as Array<{ status: { state: string } }>).filter((a) => a.status.state === 'active'));
}

const dirs: string[] = [];
function project(stackYaml: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'imctl-health-alerts-'));
  dirs.push(dir);
  fs.writeFileSync(path.join(dir, 'Pulumi.yaml'), 'name: imstack\nruntime: nodejs\n');
  fs.writeFileSync(path.join(dir, 'Pulumi.dev.yaml'), stackYaml);
  return dir;
}
const MONITORING_ON = 'config:\n  imstack:monitoring:\n    enabled: true\n';

/** A dev stack with monitoring on and a running Alertmanager whose amtool prints `answer`. */
function monitored(answer: (containerId: string) => Promise<string>, stackYaml = MONITORING_ON): Harness & { asked: string[] } {
  const h = harness(project(stackYaml));
  h.now = new Date('2026-12-02T18:21:00Z');
  h.docker.containers.push(container('alertmanager', { tier: 'monitoring', networks: { 'imstack-dev-monitoring': '172.22.0.5' } }));
  const asked: string[] = [];
  const alertmanagerAlerts: NonNullable<Probes['alertmanagerAlerts']> = async (id) => {
    asked.push(id);
    return answer(id);
  };
  Object.assign(h.probes, { alertmanagerAlerts });
  return Object.assign(h, { asked });
}

describe('imctl: health, firing alerts', function () {
  after(function () {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  });

  it('lists the firing alerts with severity, summary and since; silenced and inhibited ones are not shown', async function () {
    const h = monitored(async () => AMTOOL_ALL);
    const r = await imctl(h, 'health');
    assert.deepStrictEqual(h.asked, ['id-imstack-dev-alertmanager']);
    assert.match(r.stdout, /^alert ServiceDown +degraded +critical: redis target redis-exporter:9121 is down \(since 2026-12-02T18:05:00\.000Z, 16 min\)$/m, r.stdout);
    assert.match(r.stdout, /^alert BackendHighLatency +ok +warning: Backend p99 latency is 1\.8s \(since 2026-12-02T18:10:00\.000Z, 11 min\)$/m);
    assert.match(r.stdout, /^alert PostgresDown +degraded +critical: PostgreSQL is down/m);
    assert.doesNotMatch(r.stdout, /BackupStale|PostgresConnectionsHigh/);
    // Oldest first.
    assert.ok(r.stdout.indexOf('alert ServiceDown') < r.stdout.indexOf('alert BackendHighLatency'));
    assert.ok(r.stdout.indexOf('alert BackendHighLatency') < r.stdout.indexOf('alert PostgresDown'));
    // A critical alert degrades the stack; every other check is fine.
    assert.strictEqual(r.code, 1, r.stdout);
    assert.match(r.stdout, /stack dev: degraded \(exit 1\)/);
  });

  it('warnings alone are listed but leave the stack healthy (exit 0)', async function () {
    const onlyWarning = JSON.stringify((JSON.parse(AMTOOL_ALL) as Array<{ labels: { alertname: string } }>).filter((a) => a.labels.alertname === 'BackendHighLatency'));
    const r = await imctl(monitored(async () => onlyWarning), 'health');
    assert.match(r.stdout, /^alert BackendHighLatency +ok +warning:/m, r.stdout);
    assert.strictEqual(r.code, 0, r.stdout);
  });

  it('nothing firing: one ok "alerts" row', async function () {
    for (const answer of ['[]', 'null', '[]\n']) {
      const r = await imctl(monitored(async () => answer), 'health');
      assert.match(r.stdout, /^alerts +ok +none firing/m, r.stdout);
      assert.doesNotMatch(r.stdout, /^alert /m);
      assert.strictEqual(r.code, 0, r.stdout);
    }
  });

  it('--json: the alerts in the report, and the rows among the checks', async function () {
    const h = monitored(async () => activeOnly(AMTOOL_ALL));
    const r = await imctl(h, '--json', 'health');
    assert.strictEqual(r.code, 1);
    const report = resultOf<HealthReport>(r.stdout, 'health');
    assert.strictEqual(report.status, 'degraded');
    assert.deepStrictEqual(report.alerts, [
      { name: 'ServiceDown', severity: 'critical', summary: 'redis target redis-exporter:9121 is down', since: '2026-12-02T18:05:00.000Z', runbook: 'https://github.com/imstack/imstack/blob/main/docs/alerts.md#alert-servicedown' },
      { name: 'BackendHighLatency', severity: 'warning', summary: 'Backend p99 latency is 1.8s', since: '2026-12-02T18:10:00.000Z', runbook: 'https://github.com/imstack/imstack/blob/main/docs/alerts.md#alert-backendhighlatency' },
      { name: 'PostgresDown', severity: 'critical', summary: 'PostgreSQL is down', since: '2026-12-02T18:15:00.000Z', runbook: 'https://github.com/imstack/imstack/blob/main/docs/alerts.md#alert-postgresdown' },
    ]);
    assert.deepStrictEqual(report.checks.filter((c) => c.name.startsWith('alert')).map((c) => [c.name, c.status]), [
      ['alert ServiceDown', 'degraded'], ['alert BackendHighLatency', 'ok'], ['alert PostgresDown', 'degraded'],
    ]);
  });

  it('Alertmanager not answering (amtool fails): a degraded row naming why, the other checks still run', async function () {
    const h = monitored(async () => {
      throw new Error('amtool exited 1: Get "http://127.0.0.1:9093/api/v2/alerts?active=true&inhibited=false&silenced=false&unprocessed=false": dial tcp 127.0.0.1:9093: connect: connection refused');
    });
    const r = await imctl(h, 'health');
    assert.match(r.stdout, /^alerts +degraded +cannot read the firing alerts from imstack-dev-alertmanager: amtool exited 1: .*connection refused$/m, r.stdout);
    assert.match(r.stdout, /^postgres query +ok/m);
    assert.strictEqual(r.code, 1);
  });

  it('an answer that is not amtool\'s alert JSON: degraded, without echoing it', async function () {
    for (const answer of ['<html>proxy error</html>', '{"alerts":[]}', '[{"labels":{}}]']) {
      const r = await imctl(monitored(async () => answer), 'health');
      assert.match(r.stdout, /^alerts +degraded +cannot read the firing alerts from imstack-dev-alertmanager: amtool (did not print JSON|printed)/m, r.stdout);
      assert.doesNotMatch(r.stdout, /proxy error/);
      assert.strictEqual(r.code, 1);
    }
  });

  it('Alertmanager stopped, or missing while the config says on: degraded, amtool not run', async function () {
    let h = monitored(async () => '[]');
    Object.assign(h.docker.containers.find((c) => c.service === 'alertmanager')!, { state: 'exited', exitCode: 137, startedAt: undefined });
    let r = await imctl(h, 'health');
    assert.match(r.stdout, /^alerts +degraded +alertmanager is exited: firing alerts cannot be read \(`imctl start alertmanager`\)$/m, r.stdout);
    assert.deepStrictEqual(h.asked, []);
    assert.strictEqual(r.code, 1);

    h = monitored(async () => '[]');
    h.docker.containers = h.docker.containers.filter((c) => c.service !== 'alertmanager');
    r = await imctl(h, 'health');
    assert.match(r.stdout, /^alerts +degraded +monitoring is on but there is no alertmanager container \(not deployed yet\? run `imctl up`\)/m, r.stdout);
    assert.strictEqual(r.code, 1);
  });

  it('monitoring off and no Alertmanager (the dev default): no alerts row, health unchanged', async function () {
    for (const yaml of ['config: {}\n', 'config:\n  imstack:monitoring:\n    enabled: false\n']) {
      const h = monitored(async () => AMTOOL_ALL, yaml);
      h.docker.containers = h.docker.containers.filter((c) => c.service !== 'alertmanager');
      const r = await imctl(h, 'health');
      assert.doesNotMatch(r.stdout, /^alerts? /m, r.stdout);
      assert.deepStrictEqual(h.asked, []);
      assert.strictEqual(r.code, 0, r.stdout);
    }
  });

  it('monitoring switched off but its Alertmanager still deployed: what it says is firing is still shown', async function () {
    const h = monitored(async () => AMTOOL_ALL, 'config:\n  imstack:monitoring:\n    enabled: "false"\n');
    const r = await imctl(h, 'health');
    assert.match(r.stdout, /^alert PostgresDown +degraded/m, r.stdout);
  });

  it('prod is monitored by default: a prod stack file without imstack:monitoring reads the alerts', async function () {
    const h = monitored(async () => '[]', 'config:\n  imstack:environment: prod\n');
    h.docker.containers = h.docker.containers.filter((c) => c.service !== 'alertmanager');
    const r = await imctl(h, 'health');
    assert.match(r.stdout, /^alerts +degraded +monitoring is on but there is no alertmanager container/m, r.stdout);
  });

  it('parses amtool\'s JSON and refuses what is not', function () {
    assert.deepStrictEqual(parseAmtoolAlerts(AMTOOL_ALL).map((a) => a.name), ['ServiceDown', 'BackendHighLatency', 'PostgresDown']);
    assert.deepStrictEqual(parseAmtoolAlerts('[]'), []);
    assert.deepStrictEqual(parseAmtoolAlerts('null'), []);
    // No severity or summary: still listed, never dropped.
    assert.deepStrictEqual(parseAmtoolAlerts('[{"labels":{"alertname":"X"},"startsAt":"2026-12-02T18:00:00Z","status":{"state":"active","silencedBy":[],"inhibitedBy":[]}}]'), [{ name: 'X', severity: 'none', summary: '', since: '2026-12-02T18:00:00Z' }]);
    assert.throws(() => parseAmtoolAlerts('{}'), /not a list of alerts/);
    assert.throws(() => parseAmtoolAlerts('[1]'), /not an alert/);
    assert.throws(() => parseAmtoolAlerts('[{"labels":{"severity":"critical"}}]'), /without an alertname/);
    assert.throws(() => parseAmtoolAlerts('amtool: error: x'), /did not print JSON/);
  });

  it('asks the container\'s own amtool on its loopback, at the catalogue\'s port, within the timeout', function () {
    assert.deepStrictEqual(amtoolQuery(5000), ['/bin/amtool', 'alert', 'query', '--output=json', '--alertmanager.url=http://127.0.0.1:9093', '--timeout=4000ms']);
    assert.deepStrictEqual(amtoolQuery(100).slice(-1), ['--timeout=500ms']);
  });

  describe('with the real amtool 0.25 and Alertmanager', function () {
    let am: ChildProcess | undefined;
    let url = '';
    let dataDir = '';

    before(async function () {
      this.timeout(30000);
      const missing = ['amtool', 'prometheus-alertmanager'].find((t) => spawnSync(t, ['--version']).status !== 0);
      if (missing) {
        if (process.env.CI === 'true') throw new Error(`required for this test in CI: ${missing} (apt-get install prometheus-alertmanager)`);
        console.log(`      skipped: ${missing} not found (apt-get install prometheus-alertmanager)`);
        this.skip();
      }
      dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'imctl-am-'));
      const config = path.join(dataDir, 'am.yml');
      fs.writeFileSync(config, [
        'route: { receiver: "null", group_by: [alertname] }',
        'receivers: [{ name: "null" }]',
        'inhibit_rules: [{ source_matchers: [\'alertname="PostgresDown"\'], target_matchers: [\'alertname="PostgresConnectionsHigh"\'] }]',
        '',
      ].join('\n'));
      const port = await freePort();
      url = `http://127.0.0.1:${port}`;
      am = spawn('prometheus-alertmanager', [`--config.file=${config}`, `--storage.path=${dataDir}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address='], { stdio: 'ignore' });
      await until(async () => (await fetch(`${url}/-/ready`).catch(() => undefined))?.ok === true, 20000, 'alertmanager ready');
    });

    after(async function () {
      // Alertmanager writes its snapshots on exit: wait for it before removing its folder.
      if (am && am.exitCode === null) {
        const exited = new Promise((resolve) => am!.once('exit', resolve));
        am.kill();
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10000))]);
      }
      if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
    });

    it('health\'s command line is accepted and its output parses: active alerts only', async function () {
      this.timeout(30000);
      const alerts = (JSON.parse(AMTOOL_ALL) as Array<{ labels: unknown; annotations: unknown; startsAt: string }>).map((a) => ({ labels: a.labels, annotations: a.annotations, startsAt: a.startsAt }));
      const posted = await fetch(`${url}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(alerts) });
      assert.strictEqual(posted.status, 200);
      const silence = spawnSync('amtool', ['silence', 'add', `--alertmanager.url=${url}`, 'alertname=BackupStale', '--comment=unit test', '--author=imctl', '--duration=1h'], { encoding: 'utf8', timeout: 10000 });
      assert.strictEqual(silence.status, 0, silence.stderr);
      // health's own argv, with the host's amtool for the container's and the test's Alertmanager.
      const argv = amtoolQuery(5000, url);
      assert.strictEqual(argv[0], AMTOOL);
      let names: string[] = [];
      await until(async () => {
        const q = spawnSync('amtool', argv.slice(1), { encoding: 'utf8', timeout: 10000 });
        assert.strictEqual(q.status, 0, q.stderr);
        names = parseAmtoolAlerts(q.stdout).map((a) => a.name);
        return names.length === 3;
      }, 15000, 'the silence and the inhibition applied');
      assert.deepStrictEqual(names, ['ServiceDown', 'BackendHighLatency', 'PostgresDown']);
    });

    it('an Alertmanager that is not there: amtool fails (exit 1) naming the refused connection', async function () {
      const q = spawnSync('amtool', amtoolQuery(2000, `http://127.0.0.1:${await freePort()}`).slice(1), { encoding: 'utf8', timeout: 10000 });
      assert.strictEqual(q.status, 1);
      assert.match(q.stderr, /^amtool: error: .*connection refused/);
    });
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** Polls cond every 100 ms until it holds; fails after ms. */
async function until(cond: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  for (let i = 0; Date.now() < deadline && i < ms / 100; i++) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}
