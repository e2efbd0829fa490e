import assert from 'node:assert/strict';
import * as Minio from 'minio';
import WebSocket from 'ws';
import { BackendMetrics } from '../src/metrics/registry';
import { instrumentObjectClient } from '../src/metrics/s3';
import { api, form, groupWith, needServices, register, startApp, type RunningApp, type TestUser } from './support/harness';
import { labelValues, sample, scrape } from './support/metrics';
import { freePort } from './support/services';
import { until } from './support/until';

const HISTOGRAM = 'imstack_http_request_duration_seconds';
const MESSAGES_ROUTE = '/api/conversations/:id/messages';

describe('metrics: the backend series on the METRICS_PORT listener', () => {
  let app: RunningApp;
  let alice: TestUser, bob: TestUser;
  let conv: string;
  before(async function () {
    const s = needServices(this);
    app = await startApp(s);
    [alice, bob] = await Promise.all([register(app.url), register(app.url)]);
    conv = await groupWith(app.url, alice, [bob]);
  });
  after(() => app?.close());

  it('counts requests by route pattern and status, never by raw URL, and unknown routes as one value', async () => {
    for (const body of ['one', 'two']) {
      const r = await api(app.url, 'POST', `/api/conversations/${conv}/messages`, { token: alice.accessToken, json: { body } });
      assert.equal(r.status, 201, r.text);
    }
    assert.equal((await api(app.url, 'GET', `/api/conversations/${conv}/messages`, { token: bob.accessToken })).status, 200);
    assert.equal((await api(app.url, 'GET', `/api/conversations/${conv}/messages`)).status, 401);
    for (const path of [`/api/nothing/${conv}`, `/nowhere-${Date.now()}`]) assert.equal((await api(app.url, 'GET', path)).status, 404);

    const text = await scrape(app.metricsUrl!);
    const count = (method: string, route: string, status: string) => sample(text, `${HISTOGRAM}_count`, { method, route, status });
    assert.equal(count('POST', MESSAGES_ROUTE, '201'), 2);
    assert.equal(count('GET', MESSAGES_ROUTE, '200'), 1);
    assert.equal(count('GET', MESSAGES_ROUTE, '401'), 1);
    assert.equal(count('GET', 'unmatched', '404'), 2);
    assert.ok(!text.includes(conv), 'no raw id in any label');
    for (const route of labelValues(text, HISTOGRAM + '_bucket', 'route')) assert.ok(route === 'unmatched' || route.startsWith('/'), route);
    const les = [...labelValues(text.split('\n').filter((l) => l.includes(`status="201"`)).join('\n'), HISTOGRAM + '_bucket', 'le')];
    assert.deepEqual(les, ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf']);
    assert.ok(sample(text, `${HISTOGRAM}_sum`, { method: 'POST', route: MESSAGES_ROUTE, status: '201' })! > 0);

    assert.equal(sample(text, 'imstack_messages_posted_total'), 2);
  });

  it('reports the database pool and prom-client defaults', async () => {
    const text = await scrape(app.metricsUrl!);
    assert.equal(sample(text, 'imstack_db_pool_max'), 10);
    const total = sample(text, 'imstack_db_pool_connections', { state: 'total' });
    const idle = sample(text, 'imstack_db_pool_connections', { state: 'idle' });
    assert.ok(total !== undefined && total >= 1 && total <= 10, `total ${total}`);
    assert.ok(idle !== undefined && idle <= total, `idle ${idle}`);
    assert.equal(sample(text, 'imstack_db_pool_connections', { state: 'waiting' }), 0);
    for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes']) {
      assert.ok(sample(text, name) !== undefined, `${name} missing`);
    }
  });

  it('gauges open websockets, back to 0 after close', async () => {
    const open = () => scrape(app.metricsUrl!).then((t) => sample(t, 'imstack_websocket_connections'));
    assert.equal(await open(), 0);
    const ws = new WebSocket(`${app.url.replace(/^http/, 'ws')}/ws?token=${encodeURIComponent(alice.accessToken)}`);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    await until('the gauge at 1', 60, 50, async () => ((await open()) === 1 ? true : undefined));
    ws.close();
    await until('the gauge back at 0', 60, 50, async () => ((await open()) === 0 ? true : undefined));
  });

  it('times S3 put, get and remove of an upload, download and delete', async () => {
    const up = await api(app.url, 'POST', `/api/conversations/${conv}/files`, { token: alice.accessToken, body: form('n.txt', 'text/plain', 'metrics') });
    assert.equal(up.status, 201, up.text);
    const got = await fetch(`${app.url}/api/files/${up.body.id}`, { headers: { authorization: `Bearer ${bob.accessToken}` } });
    assert.equal(await got.text(), 'metrics');
    assert.equal((await api(app.url, 'DELETE', `/api/files/${up.body.id}`, { token: alice.accessToken })).status, 204);
    assert.equal((await api(app.url, 'GET', '/health')).status, 200);
    const text = await scrape(app.metricsUrl!);
    const s3 = (operation: string) => sample(text, 'imstack_s3_operation_duration_seconds_count', { operation, outcome: 'ok' });
    assert.equal(s3('put'), 1);
    assert.equal(s3('get'), 1);
    assert.equal(s3('remove'), 1);
    assert.ok(s3('bucket_exists')! >= 1, 'the health check asks whether the bucket exists');
  });

  it('serves only GET /metrics there, and the app port has no /metrics (the JSON 404 of any unknown route)', async () => {
    const res = await fetch(`${app.metricsUrl}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    await res.text();
    assert.equal((await fetch(`${app.metricsUrl}/`).then((r) => r.status)), 404);
    assert.equal((await fetch(`${app.metricsUrl}/metrics`, { method: 'POST' }).then((r) => r.status)), 404);
    const onApp = await api(app.url, 'GET', '/metrics');
    assert.equal(onApp.status, 404);
    assert.deepEqual(onApp.body, { error: 'not_found', message: 'no route for GET /metrics' });
  });

  it('keeps each server instance to its own series', async function () {
    const other = await startApp(needServices(this));
    try {
      assert.notEqual(other.metricsUrl, app.metricsUrl);
      assert.equal(sample(await scrape(other.metricsUrl!), 'imstack_messages_posted_total'), 0);
      assert.equal(sample(await scrape(app.metricsUrl!), 'imstack_messages_posted_total'), 2);
    } finally {
      await other.close();
    }
  });
});

describe('metrics: S3 calls that fail', () => {
  it('are observed with outcome="error" and still throw', async () => {
    const metrics = new BackendMetrics({ pool: { totalCount: 0, idleCount: 0, waitingCount: 0 }, poolMax: 10, openWebsockets: () => 0 });
    const port = await freePort();
    const client = instrumentObjectClient(new Minio.Client({ endPoint: '127.0.0.1', port, useSSL: false, accessKey: 'a', secretKey: 'b', pathStyle: true }), metrics);
    await assert.rejects(client.bucketExists('nothing-listens'));
    assert.ok(client instanceof Minio.Client);
    const text = await metrics.registry.metrics();
    assert.equal(sample(text, 'imstack_s3_operation_duration_seconds_count', { operation: 'bucket_exists', outcome: 'error' }), 1);
    assert.equal(sample(text, 'imstack_s3_operation_duration_seconds_count', { operation: 'bucket_exists', outcome: 'ok' }), undefined);
  });
});

describe('metrics: METRICS_PORT=off', () => {
  it('measures nothing and starts no listener; /metrics is still a 404 on the app port', async function () {
    const app = await startApp(needServices(this), { METRICS_PORT: 'off' });
    try {
      assert.equal(app.server.metrics, null);
      assert.equal(app.server.ctx.metrics, null);
      assert.equal(app.metricsUrl, null);
      assert.equal((await api(app.url, 'GET', '/metrics')).status, 404);
    } finally {
      await app.close();
    }
  });
});
