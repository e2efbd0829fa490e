// The monitoring tier's substitute images (test/live/images/monitoring.ts), each started with its
// image's own ENTRYPOINT and CMD plus only the arguments, environment and files the official
// image takes, on a network this test creates, and asked from another container on it: every
// exporter and server answers; Prometheus scrapes itself (up == 1); Alertmanager's API and amtool
// work; cAdvisor labels a container's series with its com.imstack.service label; postgres-meta
// reads a substitute PostgreSQL; the Grafana and Studio stand-ins do exactly what they claim.
import assert from 'assert';
import crypto from 'crypto';
import Docker from 'dockerode';
import { dockerClient } from './engine/docker-client';
import { execOut, logsOf, oneFileTar, until } from './objectstore/gateway';
import { requireLive } from './support';
import { SUBSTITUTE_TAGS } from './images/build';
import { ensureMonitoringImages, MONITORING_SPECS, MonitoringImageKey, OfficialImage } from './images/monitoring';
import { CONTAINER_METRICS, CONTAINER_SERVICE_LABEL, NGINX_METRICS, NODE_METRICS, POSTGRES_METRICS, REDIS_METRICS, TLS_METRICS, UP } from '../../monitoring/metrics';

const PREFIX = `imstack-livetest-mon-${process.pid}`;
const LABELS = { 'com.imstack.live': '1', 'com.imstack.stack': PREFIX };
const READ_ONLY = 0o444;

const official = (key: MonitoringImageKey): OfficialImage => MONITORING_SPECS.find((s) => s.key === key)!.official;
const portOf = (key: MonitoringImageKey): number => official(key).port;
const newSecret = (): string => crypto.randomBytes(18).toString('base64url');

describe('monitoring substitute images: official entrypoints, real binaries', function () {
  const docker = dockerClient();
  const network = PREFIX;
  const started: Docker.Container[] = [];
  let tags: Record<string, string>;
  let probe: Docker.Container;
  const pgPassword = newSecret();

  async function start(name: string, o: {
    image: string; alias?: string; cmd?: string[]; env?: string[]; files?: Array<{ path: string; content: string; uid?: number }>;
    binds?: string[]; labels?: Record<string, string>;
  }): Promise<Docker.Container> {
    const c = await docker.createContainer({
      name: `${PREFIX}-${name}`, Image: o.image, Cmd: o.cmd, Env: o.env, Labels: { ...LABELS, ...(o.labels ?? {}) },
      HostConfig: { NetworkMode: network, Binds: o.binds },
      NetworkingConfig: { EndpointsConfig: { [network]: { Aliases: [o.alias ?? name] } } },
    });
    started.push(c);
    for (const f of o.files ?? []) await c.putArchive(await oneFileTar(f.path, f.content, READ_ONLY, f.uid ?? 0), { path: '/' });
    await c.start();
    return c;
  }

  /** An HTTP GET from the probe container: status and body (curl inside the test's network). */
  async function get(url: string, headerFile?: string): Promise<{ status: number; body: string }> {
    const args = ['curl', '-sS', '--max-time', '5', '-w', '\n%{http_code}', ...(headerFile ? ['-H', `@${headerFile}`] : []), url];
    const { out } = await execOut(probe, args);
    const i = out.lastIndexOf('\n');
    return { status: Number(out.slice(i + 1).trim()), body: out.slice(0, i) };
  }

  async function answers(url: string, test: (body: string) => boolean, what: string, timeoutMs = 60000): Promise<string> {
    return until(what, async () => {
      const r = await get(url);
      if (r.status !== 200) throw new Error(`${url}: HTTP ${r.status} ${r.body.slice(0, 200)}`);
      if (!test(r.body)) throw new Error(`${url}: ${what} not seen yet`);
      return r.body;
    }, timeoutMs);
  }

  /** `name{labels} value` lines of one series, from Prometheus text exposition. */
  const series = (body: string, name: string): string[] => body.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
  const hasValue = (body: string, name: string, value: string): boolean => series(body, name).some((l) => l.trim().endsWith(` ${value}`));

  before(async function () {
    this.timeout(30 * 60 * 1000); // a cold run compiles cAdvisor and installs postgres-meta
    await requireLive(this);
    tags = await ensureMonitoringImages((l) => console.log(`      [monitoring-images] ${l}`));
    await docker.createNetwork({ Name: network, Labels: LABELS });
    probe = await start('probe', { image: SUBSTITUTE_TAGS.node, cmd: ['sleep', 'infinity'] });
  });

  after(async function () {
    this.timeout(120000);
    for (const c of started.reverse()) await c.remove({ force: true }).catch(() => undefined);
    await docker.getNetwork(network).remove().catch(() => undefined);
  });

  it('returns all eleven images, each with the official ENTRYPOINT, CMD, USER, WORKDIR and port', async function () {
    assert.deepStrictEqual(Object.keys(tags).sort(), MONITORING_SPECS.map((s) => s.key).sort());
    for (const spec of MONITORING_SPECS) {
      const cfg = (await docker.getImage(tags[spec.key]).inspect()).Config;
      const o = spec.official;
      assert.deepStrictEqual(cfg.Entrypoint, o.entrypoint, `${spec.key} ENTRYPOINT`);
      assert.deepStrictEqual(cfg.Cmd ?? null, o.cmd ?? null, `${spec.key} CMD`);
      assert.strictEqual(cfg.User || undefined, o.user, `${spec.key} USER`);
      if (o.workdir) assert.strictEqual(cfg.WorkingDir, o.workdir, `${spec.key} WORKDIR`);
      assert.ok(Object.keys(cfg.ExposedPorts ?? {}).includes(`${o.port}/tcp`), `${spec.key} EXPOSE ${o.port}`);
    }
  });

  it('prometheus: the default command with a tiny config scrapes itself, up == 1', async function () {
    this.timeout(120000);
    const port = portOf('images.prometheus');
    const config = `global:\n  scrape_interval: 2s\nscrape_configs:\n  - job_name: self\n    static_configs:\n      - targets: ["localhost:${port}"]\n`;
    await start('prometheus', { image: tags['images.prometheus'], files: [{ path: '/etc/prometheus/prometheus.yml', content: config }] });
    const body = await answers(`http://prometheus:${port}/api/v1/query?query=${encodeURIComponent(`${UP}{job="self"}`)}`, (b) => {
      const r = JSON.parse(b) as { data: { result: Array<{ value: [number, string] }> } };
      return r.data.result.some((s) => s.value[1] === '1');
    }, 'up{job="self"} == 1', 90000);
    assert.match(body, /"status":"success"/);
  });

  it('alertmanager: /api/v2/status answers and amtool runs in the container', async function () {
    this.timeout(120000);
    const c = await start('alertmanager', { image: tags['images.alertmanager'] });
    const body = await answers(`http://alertmanager:${portOf('images.alertmanager')}/api/v2/status`, (b) => b.includes('"cluster"'), 'status');
    assert.ok((JSON.parse(body) as { config?: { original?: string } }).config?.original, 'status carries the config');
    const v = await execOut(c, ['amtool', '--version']);
    assert.strictEqual(v.code, 0, v.out);
    assert.match(v.out, /amtool, version 0\.25/);
    const check = await execOut(c, ['amtool', 'check-config', '/etc/alertmanager/alertmanager.yml']);
    assert.strictEqual(check.code, 0, check.out);
  });

  it('postgres-exporter: DATA_SOURCE_URI/USER/PASS_FILE reach a substitute postgres, pg_up 1', async function () {
    this.timeout(180000);
    const pg = await start('postgres', {
      image: SUBSTITUTE_TAGS.postgres, env: ['POSTGRES_PASSWORD_FILE=/run/secrets/pg-super'],
      files: [{ path: '/run/secrets/pg-super', content: pgPassword }],
    });
    await until('postgres ready', async () => {
      const r = await execOut(pg, ['pg_isready', '-h', '127.0.0.1', '-U', 'postgres']);
      if (r.code !== 0) throw new Error(r.out);
    }, 90000);
    await start('postgres-exporter', {
      image: tags['images.postgresExporter'],
      env: ['DATA_SOURCE_URI=postgres:5432/postgres?sslmode=disable', 'DATA_SOURCE_USER=postgres', 'DATA_SOURCE_PASS_FILE=/run/secrets/pg-pass'],
      files: [{ path: '/run/secrets/pg-pass', content: pgPassword }],
    });
    await answers(`http://postgres-exporter:${portOf('images.postgresExporter')}/metrics`, (b) => hasValue(b, POSTGRES_METRICS.up, '1') && series(b, POSTGRES_METRICS.maxConnections).length > 0, `${POSTGRES_METRICS.up} 1`);
  });

  it('postgres-meta: PG_META_DB_* and PG_META_DB_PASSWORD_FILE, /health and /tables against the same postgres', async function () {
    this.timeout(180000);
    const pg = docker.getContainer(`${PREFIX}-postgres`);
    const made = await execOut(pg, ['psql', '-U', 'postgres', '-c', 'CREATE TABLE monitoring_probe (id int primary key)']);
    assert.strictEqual(made.code, 0, made.out);
    await start('pg-meta', {
      image: tags['images.postgresMeta'],
      env: ['PG_META_DB_HOST=postgres', 'PG_META_DB_PORT=5432', 'PG_META_DB_NAME=postgres', 'PG_META_DB_USER=postgres', 'PG_META_DB_PASSWORD_FILE=/run/secrets/pg-meta-pass'],
      // No trailing newline: postgres-meta 0.99 uses the file's content as is.
      files: [{ path: '/run/secrets/pg-meta-pass', content: pgPassword }],
    });
    const port = portOf('images.postgresMeta');
    await answers(`http://pg-meta:${port}/health`, () => true, 'pg-meta /health', 90000);
    const tables = JSON.parse(await answers(`http://pg-meta:${port}/tables`, (b) => b.startsWith('['), '/tables')) as Array<{ name: string; schema: string }>;
    assert.ok(tables.some((t) => t.name === 'monitoring_probe' && t.schema === 'public'), `monitoring_probe not in ${JSON.stringify(tables.map((t) => t.name))}`);
  });

  it('studio stand-in: its profile is healthy only while postgres-meta answers STUDIO_PG_META_URL', async function () {
    this.timeout(120000);
    const port = portOf('images.studio');
    await start('studio', { image: tags['images.studio'], env: [`STUDIO_PG_META_URL=http://pg-meta:${portOf('images.postgresMeta')}`] });
    await start('studio-nometa', { image: tags['images.studio'], env: ['STUDIO_PG_META_URL=http://no-such-meta:8080'] });
    await answers(`http://studio:${port}/api/platform/profile`, () => true, 'studio profile 200');
    await until('studio without pg-meta answers 503', async () => {
      const r = await get(`http://studio-nometa:${port}/api/platform/profile`);
      if (r.status !== 503) throw new Error(`HTTP ${r.status}`);
    });
  });

  it('redis-exporter: REDIS_ADDR and REDIS_PASSWORD_FILE (JSON, URI -> password), redis_up 1', async function () {
    this.timeout(120000);
    const password = newSecret();
    await start('redis', {
      image: SUBSTITUTE_TAGS.redis, cmd: ['redis-server', '/etc/redis/test.conf'],
      files: [{ path: '/etc/redis/test.conf', content: `requirepass ${password}\n` }],
    });
    const addr = 'redis://redis:6379';
    await start('redis-exporter', {
      image: tags['images.redisExporter'],
      env: [`REDIS_ADDR=${addr}`, 'REDIS_PASSWORD_FILE=/run/secrets/redis-pass.json'],
      files: [{ path: '/run/secrets/redis-pass.json', content: JSON.stringify({ [addr]: password }) }],
    });
    await answers(`http://redis-exporter:${portOf('images.redisExporter')}/metrics`, (b) => hasValue(b, REDIS_METRICS.up, '1') && series(b, REDIS_METRICS.connectedClients).length > 0, `${REDIS_METRICS.up} 1`);
  });

  it('nginx-exporter: --nginx.scrape-uri= reads a stub_status page, nginx_up 1', async function () {
    this.timeout(120000);
    const conf = 'server {\n  listen 8081;\n  location = /stub_status { stub_status; }\n}\n';
    await start('nginx', { image: SUBSTITUTE_TAGS.nginx, files: [{ path: '/etc/nginx/conf.d/stub.conf', content: conf }] });
    // 0.11 exits when the page does not answer at start (1.x keeps running with nginx_up 0).
    await answers('http://nginx:8081/stub_status', (b) => b.includes('Active connections'), 'stub_status');
    await start('nginx-exporter', { image: tags['images.nginxExporter'], cmd: ['--nginx.scrape-uri=http://nginx:8081/stub_status'] });
    await answers(`http://nginx-exporter:${portOf('images.nginxExporter')}/metrics`, (b) => hasValue(b, NGINX_METRICS.up, '1') && series(b, NGINX_METRICS.connectionsActive).length > 0, `${NGINX_METRICS.up} 1`);
  });

  it('node-exporter and blackbox-exporter: /metrics, and an http_2xx probe of Prometheus succeeds', async function () {
    this.timeout(120000);
    await start('node-exporter', { image: tags['images.nodeExporter'] });
    await answers(`http://node-exporter:${portOf('images.nodeExporter')}/metrics`, (b) => series(b, NODE_METRICS.cpuSeconds).length > 0 && series(b, NODE_METRICS.memAvailable).length > 0, NODE_METRICS.cpuSeconds);
    await start('blackbox-exporter', { image: tags['images.blackboxExporter'] });
    const port = portOf('images.blackboxExporter');
    await answers(`http://blackbox-exporter:${port}/metrics`, (b) => b.includes('blackbox_exporter_build_info'), 'blackbox /metrics');
    const target = encodeURIComponent(`http://prometheus:${portOf('images.prometheus')}/-/healthy`);
    await answers(`http://blackbox-exporter:${port}/probe?module=http_2xx&target=${target}`, (b) => hasValue(b, TLS_METRICS.probeSuccess, '1'), `${TLS_METRICS.probeSuccess} 1`);
  });

  it('cadvisor: --docker_only with the host mounts labels a container\'s series with com.imstack.service', async function () {
    this.timeout(180000);
    const service = `probe-${crypto.randomBytes(3).toString('hex')}`;
    await start('labelled', { image: SUBSTITUTE_TAGS.node, cmd: ['sleep', 'infinity'], labels: { 'com.imstack.service': service } });
    // No --privileged and no devices: on this engine (cgroup v1) the docker socket, /sys and the
    // docker root (here via /rootfs and /var/lib/docker) are what it reads.
    await start('cadvisor', {
      image: tags['images.cadvisor'], cmd: ['--docker_only=true', '--housekeeping_interval=2s'],
      binds: ['/:/rootfs:ro', '/var/run:/var/run:ro', '/sys:/sys:ro', '/var/lib/docker/:/var/lib/docker:ro', '/dev/disk/:/dev/disk:ro'],
    });
    const body = await answers(`http://cadvisor:${portOf('images.cadvisor')}/metrics`,
      (b) => series(b, CONTAINER_METRICS.cpuSeconds).some((l) => l.includes(`${CONTAINER_SERVICE_LABEL}="${service}"`)), `${CONTAINER_METRICS.cpuSeconds} for ${service}`, 90000);
    const labelled = (name: string) => series(body, name).filter((l) => l.includes(`${CONTAINER_SERVICE_LABEL}="${service}"`));
    for (const name of [CONTAINER_METRICS.memoryWorkingSet, CONTAINER_METRICS.startTime]) assert.ok(labelled(name).length > 0, `${name} for ${service}`);
    assert.ok(labelled(CONTAINER_METRICS.cpuSeconds).every((l) => l.includes(`name="${PREFIX}-labelled"`)), 'the series name the container');
    const health = await get(`http://cadvisor:${portOf('images.cadvisor')}/healthz`);
    assert.strictEqual(health.status, 200);
  });

  describe('grafana stand-in', function () {
    const uid = 'imstack-probe';
    const board = { uid, title: 'Probe', panels: [], schemaVersion: 39 };
    const datasources = 'apiVersion: 1\ndatasources:\n  - name: Prometheus\n    type: prometheus\n    url: http://prometheus:9090\n    access: proxy\n';
    const providers = 'apiVersion: 1\nproviders:\n  - name: imstack\n    type: file\n    options:\n      path: /var/lib/grafana/dashboards\n';
    const password = newSecret();
    const port = portOf('images.grafana');
    const env = [`GF_SERVER_HTTP_PORT=${port}`, `GF_SERVER_ROOT_URL=http://localhost:${port}/grafana/`, 'GF_SERVER_SERVE_FROM_SUB_PATH=true',
      'GF_SECURITY_ADMIN_USER=admin', 'GF_SECURITY_ADMIN_PASSWORD__FILE=/run/secrets/grafana-admin'];
    const files = (dashboard: string) => [
      { path: '/etc/grafana/provisioning/datasources/imstack.yaml', content: datasources },
      { path: '/etc/grafana/provisioning/dashboards/imstack.yaml', content: providers },
      { path: '/var/lib/grafana/dashboards/probe.json', content: dashboard },
      { path: '/run/secrets/grafana-admin', content: `${password}\n` },
    ];

    it('serves /grafana/api/health and the provisioned dashboard to the admin only', async function () {
      this.timeout(120000);
      await start('grafana', { image: tags['images.grafana'], env, files: files(JSON.stringify(board)) });
      await answers(`http://grafana:${port}/grafana/api/health`, (b) => JSON.parse(b).database === 'ok', 'grafana health');
      const url = `http://grafana:${port}/grafana/api/dashboards/uid/${uid}`;
      assert.strictEqual((await get(url)).status, 401);
      // The Authorization header goes through a file, never argv.
      const headerFile = '/tmp/grafana-auth';
      await probe.putArchive(await oneFileTar(headerFile, `Authorization: Basic ${Buffer.from(`admin:${password}`).toString('base64')}\n`, 0o400, 0), { path: '/' });
      const ok = await get(url, headerFile);
      assert.strictEqual(ok.status, 200, ok.body);
      assert.deepStrictEqual((JSON.parse(ok.body) as { dashboard: unknown }).dashboard, board);
      await probe.putArchive(await oneFileTar(headerFile, `Authorization: Basic ${Buffer.from('admin:wrong').toString('base64')}\n`, 0o400, 0), { path: '/' });
      assert.strictEqual((await get(url, headerFile)).status, 401);
      assert.strictEqual((await get(`http://grafana:${port}/api/health`)).status, 404, 'only the sub path is served');
    });

    it('exits non-zero at start when a provisioned dashboard is not JSON', async function () {
      this.timeout(60000);
      const c = await start('grafana-bad', { image: tags['images.grafana'], env, files: files('{ not json') });
      const { StatusCode } = (await c.wait()) as { StatusCode: number };
      assert.notStrictEqual(StatusCode, 0);
      assert.match(await logsOf(c), /probe\.json is unreadable or not JSON/);
    });
  });
});
