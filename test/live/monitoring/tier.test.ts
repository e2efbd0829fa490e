// The monitoring tier and the admin UI on a real Docker engine (issue 14): the real program's dev
// config with `monitoring.enabled`, Prometheus, Alertmanager and the exporters from Debian's
// binaries, cAdvisor built from its Go module, postgres-meta from npm; Grafana and Studio are
// labelled stand-ins (test/live/README.md: neither can run here). One throwaway stack
// ("monlive"), purged afterwards. The faults run together, so the 5-minute error-rate alert sets
// the pace: redis is stopped (RedisDown, and every signed-in request answers 503), and the
// backup status is made 27 hours old through the job's own writer (BackupStale).
import * as assert from 'assert';
import * as path from 'path';
import Docker from 'dockerode';
import { LiveStack, runStack } from '../engine/run-stack';
import { extraCaBuildArgs, freeDevPorts, liveStackOverrides, requireLive } from '../support';
import { eventually, ROOT, scratchProject } from '../imctl/support';
import { stackApi, stackCli, stackContainer } from '../backup/support';
import { panelQueries } from '../../../monitoring/dashboards';
import { alertRules } from '../../../monitoring/prometheus';

const STACK = 'monlive';
const SCRAPE_SECONDS = 5;
const PASSWORD = 'monitor-password-1';

interface Target { labels: { job: string; instance: string }; health: string; lastError: string }
interface PromAlert { labels: { alertname: string }; state: string }

describe('the monitoring tier on the dev stack (real Prometheus, Alertmanager and exporters)', function () {
  let live: LiveStack | undefined;
  let ports: Awaited<ReturnType<typeof freeDevPorts>>;
  let upDoneAt = 0;
  const docker = new Docker();
  const figures: Record<string, string> = {};
  const byService = stackContainer(docker, STACK);
  const cli = stackCli(STACK, () => []);
  const api = stackApi(() => ports.http);
  const prom = async <T>(p: string): Promise<T> => {
    const res = await fetch(`http://127.0.0.1:${ports.prometheus}${p}`);
    const body = await res.json() as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`prometheus ${p}: ${body.error}`);
    return body.data;
  };
  const query = (expr: string) => prom<{ result: unknown[] }>(`/api/v1/query?query=${encodeURIComponent(expr)}`);
  const amAlerts = async (): Promise<string[]> => {
    const res = await fetch(`http://127.0.0.1:${ports.alertmanager}/api/v2/alerts?active=true`);
    return ((await res.json()) as Array<{ labels: { alertname: string } }>).map((a) => a.labels.alertname);
  };
  const ruleFor = (alert: string) => alertRules({ objectStore: 'seaweedfs', tls: null }).find((r) => r.alert === alert)!;
  const seconds = (d: string) => Number(d.replace(/m$/, '')) * 60;

  before(async function () {
    await requireLive(this);
    ports = await freeDevPorts();
    const t = Date.now();
    live = await runStack({
      stack: STACK,
      projectDir: scratchProject(STACK),
      program: path.join(ROOT, 'index.ts'),
      configOverrides: {
        ...liveStackOverrides(),
        ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [`ports.${k}`, v])),
        'monitoring.enabled': true, 'monitoring.scrapeIntervalSeconds': SCRAPE_SECONDS,
        ...extraCaBuildArgs(),
      },
      log: (l) => console.log(`      [${STACK}] ${l}`),
      timeoutMs: 15 * 60_000,
    });
    upDoneAt = Date.now();
    figures.up = `${((upDoneAt - t) / 1000).toFixed(0)} s`;
    if (!live.ok) throw new Error(`stack ${STACK} did not come up:\n${live.errors.join('\n')}`);
  });

  after(async function () {
    console.log(`      figures: ${Object.entries(figures).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    if (live && process.env.IMSTACK_LIVE_KEEP !== '1') await live.teardown({ purge: true });
  });

  it('has every scrape target up within 60 s of the stack coming up', async function () {
    let targets: Target[] = [];
    await eventually(async () => {
      targets = (await prom<{ activeTargets: Target[] }>('/api/v1/targets?state=active')).activeTargets;
      return targets.length > 0 && targets.every((x) => x.health === 'up');
    }, 60_000, 'every target up').catch((e: Error) => {
      throw new Error(`${e.message}: ${targets.filter((x) => x.health !== 'up').map((x) => `${x.labels.job} ${x.labels.instance} ${x.health} ${x.lastError}`).join('; ')}`);
    });
    figures.targetsUp = `${targets.length} targets, all up ${((Date.now() - upDoneAt) / 1000).toFixed(0)} s after up`;
    const jobs = new Set(targets.map((x) => x.labels.job));
    for (const j of ['prometheus', 'alertmanager', 'backend', 'backup', 'postgres', 'redis', 'nginx', 'objectstore', 'containers', 'node']) {
      assert.ok(jobs.has(j), `no ${j} target: ${[...jobs].join(', ')}`);
    }
  });

  it('serves Grafana only through nginx at /grafana/ with its own login, and publishes no metrics endpoint', async function () {
    const health = await fetch(`http://127.0.0.1:${ports.http}/grafana/api/health`);
    assert.strictEqual(health.status, 200);
    const anonymous = await fetch(`http://127.0.0.1:${ports.http}/grafana/api/dashboards/uid/imstack-overview`);
    assert.strictEqual(anonymous.status, 401, 'anonymous access is off');
    const password = live!.output<string>('grafanaAdminPassword');
    assert.ok(live!.outputs.grafanaAdminPassword.secret, 'the Grafana password is a secret output');
    const auth = `Basic ${Buffer.from(`admin:${password}`).toString('base64')}`;
    const board = await fetch(`http://127.0.0.1:${ports.http}/grafana/api/dashboards/uid/imstack-overview`, { headers: { authorization: auth } });
    assert.strictEqual(board.status, 200);
    for (const p of ['/metrics', '/api/metrics', '/prometheus/', '/alertmanager/']) {
      const res = await fetch(`http://127.0.0.1:${ports.http}${p}`);
      assert.ok(![200].includes(res.status) || !(await res.text()).includes('# HELP'), `${p} serves metrics through nginx`);
    }
    // Nothing of the tier is published except Prometheus and Alertmanager on 127.0.0.1 (dev).
    for (const svc of ['grafana', 'postgres-exporter', 'redis-exporter', 'nginx-exporter', 'node-exporter', 'cadvisor', 'postgres-meta']) {
      const c = await byService(svc);
      const bound = Object.values(c.HostConfig.PortBindings ?? {}).flat();
      assert.deepStrictEqual(bound, [], `${svc} publishes ${JSON.stringify(bound)}`);
    }
    for (const svc of ['prometheus', 'alertmanager', 'studio']) {
      const bound = Object.values((await byService(svc)).HostConfig.PortBindings ?? {}).flat() as Array<{ HostIp: string }>;
      assert.ok(bound.length > 0 && bound.every((b) => b.HostIp === '127.0.0.1'), `${svc}: ${JSON.stringify(bound)}`);
    }
  });

  it('runs postgres-meta for real as the imstack_studio role: it sees the app tables and may not change the schema', async function () {
    const meta = await byService('postgres-meta');
    const ip = meta.NetworkSettings.Networks[`imstack-${STACK}-data`].IPAddress;
    const base = `http://${ip}:8080`;
    const tables = await (await fetch(`${base}/tables?included_schemas=public`)).json() as Array<{ name: string }>;
    const names = tables.map((t) => t.name);
    assert.ok(names.includes('users') && names.includes('messages'), `tables: ${names.join(', ')}`);
    const who = await (await fetch(`${base}/query`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: 'select current_user as u' }) })).json() as Array<{ u: string }>;
    assert.deepStrictEqual(who, [{ u: 'imstack_studio' }]);
    const ddl = await fetch(`${base}/query`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: 'create table studio_was_here (id int)' }) });
    assert.ok(ddl.status >= 400, `DDL as imstack_studio answered ${ddl.status}`);
    assert.match(await ddl.text(), /permission denied/);
    // Studio (stand-in) finds it, on 127.0.0.1 in dev, and through nginx only with the basic-auth login.
    assert.strictEqual((await fetch(`http://127.0.0.1:${ports.studio}/api/platform/profile`)).status, 200);
    assert.strictEqual((await fetch(`http://127.0.0.1:${ports.http}/studio/api/platform/profile`)).status, 401);
    const creds = live!.output<{ user: string; password: string }>('studioCredentials');
    assert.ok(live!.outputs.studioCredentials.secret, 'the Studio credentials are a secret output');
    const via = await fetch(`http://127.0.0.1:${ports.http}/studio/api/platform/profile`, { headers: { authorization: `Basic ${Buffer.from(`${creds.user}:${creds.password}`).toString('base64')}` } });
    assert.strictEqual(via.status, 200);
  });

  it('answers every dashboard panel\'s PromQL with at least one series', async function () {
    // Traffic, an upload, a backup and a refused restore, so every counter has moved.
    const alice = await api<{ user: { id: string }; accessToken: string }>('POST', '/api/auth/register', undefined, { username: 'mon-alice', password: PASSWORD });
    const bob = await api<{ user: { id: string } }>('POST', '/api/auth/register', undefined, { username: 'mon-bob', password: PASSWORD });
    const conv = (await api<{ id: string }>('POST', '/api/conversations', alice.accessToken, { type: 'direct', memberIds: [bob.user.id] })).id;
    for (let i = 0; i < 5; i++) await api('POST', `/api/conversations/${conv}/messages`, alice.accessToken, { body: `hello ${i}` });
    const form = new FormData();
    form.append('file', new Blob([Buffer.alloc(2048, 1)], { type: 'text/plain' }), 'a.txt');
    await api('POST', `/api/conversations/${conv}/files`, alice.accessToken, form);
    const backup = await cli('backup');
    assert.strictEqual(backup.code, 0, backup.stdout + backup.stderr);
    const queries = panelQueries({ stack: STACK, rateInterval: `${SCRAPE_SECONDS * 4}s` });
    let empty: string[] = [];
    await eventually(async () => {
      empty = [];
      for (const q of queries) if ((await query(q.expr)).result.length === 0) empty.push(`${q.dashboard} / ${q.panel}: ${q.expr}`);
      return empty.length === 0;
    }, 120_000, 'every panel query answers').catch((e: Error) => { throw new Error(`${e.message}; empty:\n${empty.join('\n')}`); });
    figures.panels = `${queries.length} queries, all answered`;
  });

  it('fires RedisDown (redis stopped), BackupStale (status made 27 h old) and BackendHighErrorRate (503s), into Alertmanager and imctl health', async function () {
    this.timeout(15 * 60_000);
    const redis = await byService('redis');
    const job = await byService('backup');
    const alice = await api<{ accessToken: string }>('POST', '/api/auth/login', undefined, { username: 'mon-alice', password: PASSWORD });
    const started = Date.now();
    await docker.getContainer(redis.Id).stop({ t: 5 });
    const exec = await docker.getContainer(job.Id).exec({
      Cmd: ['node', '-e', "require('/opt/imstack-backup/dist/status').updateStatus('/backups', (s) => ({ lastSuccess: { kind: 'scheduled', ...s.lastSuccess, at: new Date(Date.now() - 27 * 3600e3).toISOString() } }))"],
      AttachStdout: true, AttachStderr: true,
    });
    await exec.start({});
    await eventually(async () => (await exec.inspect()).ExitCode === 0, 20_000, 'the status rewrite');
    // Signed-in requests check the session in redis: with it down, each answers 503.
    let stop = false;
    let codes: Record<string, number> = {};
    const load = (async () => {
      while (!stop) {
        const res = await fetch(`http://127.0.0.1:${ports.http}/api/conversations`, { headers: { authorization: `Bearer ${alice.accessToken}` } }).catch(() => undefined);
        if (res) { codes[res.status] = (codes[res.status] ?? 0) + 1; await res.arrayBuffer(); }
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    const firedAt: Record<string, number> = {};
    try {
      const wanted = ['RedisDown', 'BackupStale', 'BackendHighErrorRate'];
      const limit = (seconds(ruleFor('BackendHighErrorRate').for) + 120) * 1000;
      await eventually(async () => {
        for (const a of await amAlerts()) if (wanted.includes(a) && !firedAt[a]) firedAt[a] = Date.now() - started;
        return wanted.every((a) => firedAt[a]);
      }, limit, 'the three alerts in Alertmanager').catch((e: Error) => { throw new Error(`${e.message}: reached ${JSON.stringify(firedAt)}, responses ${JSON.stringify(codes)}`); });
      figures.alerts = Object.entries(firedAt).map(([a, ms]) => `${a} ${(ms / 1000).toFixed(0)} s`).join(', ');
      // Within the rule's `for`, plus one scrape, one evaluation and the exporter's own timeout.
      const bound = (alert: string) => (seconds(ruleFor(alert).for) + 2 * SCRAPE_SECONDS + 15) * 1000;
      assert.ok(firedAt.RedisDown <= bound('RedisDown'), `RedisDown after ${firedAt.RedisDown} ms`);
      assert.ok(firedAt.BackupStale <= bound('BackupStale'), `BackupStale after ${firedAt.BackupStale} ms`);
      assert.ok((codes['503'] ?? 0) > 0, `no 503 seen: ${JSON.stringify(codes)}`);
      const health = await cli('health', '--timeout', '20s', '--json');
      // health answers non-zero here (redis down takes the API with it), so read the envelope itself.
      const envelope = JSON.parse(health.stdout.trim().split('\n').pop() ?? '{}') as { result?: { alerts?: Array<{ name: string }> } };
      const report = envelope.result ?? {};
      const names = (report.alerts ?? []).map((a) => a.name);
      for (const a of ['RedisDown', 'BackupStale']) assert.ok(names.includes(a), `imctl health lists ${names.join(', ')}`);
      assert.notStrictEqual(health.code, 0, 'a firing critical alert is not a healthy stack');
    } finally {
      stop = true;
      await load;
      await docker.getContainer(redis.Id).start().catch(() => undefined);
    }
    // Redis back: its alert resolves.
    await eventually(async () => !(await amAlerts()).includes('RedisDown') || (await prom<PromAlert[] | { alerts: PromAlert[] }>('/api/v1/alerts') as { alerts: PromAlert[] }).alerts.every((a) => a.labels.alertname !== 'RedisDown'), 120_000, 'RedisDown resolved in Prometheus');
  });
});
