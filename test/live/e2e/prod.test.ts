// The prod stack (Pulumi.prod.yaml as stack e2eprod, only the nginx port overridden): from the
// host nothing but nginx accepts connections, the backend still reaches its data services, and
// the stack serves the web client, the API and the Next app through nginx.
import assert from 'assert';
import { dockerClient } from '../engine/docker-client';
import type { LiveStack } from '../engine/run-stack';
import { requireLive } from '../support';
import { accepts, AppApi, memoryReport, purgeLeftovers, uniqueName, upProdStack } from './support';

const STACK = 'e2eprod';
// postgres, redis, minio api + console, backend, next, vite: their standard ports.
// The data and app services, and the monitoring tier (Prometheus, Alertmanager, Studio's dev port, the exporters and metrics listeners).
const INTERNAL_PORTS = [5432, 6379, 9000, 9001, 4000, 3000, 5173, 9090, 9093, 3001, 9464, 9477, 9187, 9121, 9113, 9100, 8080];

describe('e2e on the prod stack (only nginx reachable)', function () {
  const docker = dockerClient();
  let live: LiveStack | undefined;
  let http = 0;
  let api: AppApi;
  /** Standard ports something else on this host already holds; their check says why it is skipped. */
  const heldBefore = new Set<number>();

  before(async function () {
    await requireLive(this);
    await purgeLeftovers(docker, STACK);
    for (const p of INTERNAL_PORTS) if (await accepts(p)) heldBefore.add(p);
    const up = await upProdStack(STACK);
    live = up.live;
    http = up.http;
    api = new AppApi(`http://127.0.0.1:${http}`);
    console.log(`      prod stack up to healthy in ${up.seconds.toFixed(1)}s`);
    console.log(`      memory: ${(await memoryReport(docker, STACK)).join(', ')}`);
  });

  after(async function () {
    if (live && process.env.IMSTACK_LIVE_KEEP !== '1') await live.teardown({ purge: true });
  });

  it('comes up without errors', function () {
    assert.deepStrictEqual(live!.errors, []);
  });

  it('from the host, nothing but nginx accepts connections', async function () {
    const cs = await docker.listContainers({ filters: { label: [`com.imstack.stack=${STACK}`, 'com.imstack.live=1'] } });
    const published = cs.flatMap((c) => c.Ports.filter((p) => p.PublicPort).map((p) => `${c.Labels['com.imstack.service']}:${p.PublicPort}`));
    assert.deepStrictEqual([...new Set(published)], [`nginx:${http}`], 'the prod stack publishes more than nginx');
    assert.ok(await accepts(http), `nginx does not accept on 127.0.0.1:${http}`);
    const checked: number[] = [];
    for (const p of INTERNAL_PORTS) {
      if (heldBefore.has(p)) {
        console.log(`      127.0.0.1:${p} not checked: something outside this stack accepted connections on it before bring-up`);
        continue;
      }
      assert.strictEqual(await accepts(p), false, `127.0.0.1:${p} accepts connections with the prod stack up`);
      checked.push(p);
    }
    console.log(`      refused on 127.0.0.1: ${checked.join(', ')}`);
  });

  it('the data network is internal and the backends reach their data services (/health ok)', async function () {
    const data = (await docker.listNetworks({ filters: { name: [`imstack-${STACK}-data`] } })).find((n) => n.Name === `imstack-${STACK}-data`);
    assert.ok(data, 'no data network');
    assert.strictEqual(data.Internal, true);
    const h = await api.health();
    assert.strictEqual(h.status, 200, JSON.stringify(h.body));
    assert.deepStrictEqual(h.body, { status: 'ok', checks: { postgres: 'ok', redis: 'ok', s3: 'ok' } });
    // A real write and read through nginx -> backend -> postgres.
    const u = await api.register(uniqueName('prod'), 'prod-password-1');
    const c = await api.group(u, [], 'prod');
    const m = await api.post(u, c.id, 'hello prod');
    assert.deepStrictEqual((await api.page(u, c.id, null)).messages.map((x) => x.id), [m.id]);
  });

  it('serves the web page, its assets and the Next app through nginx', async function () {
    const page = await api.call('GET', '/');
    assert.strictEqual(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    const html = page.body.toString();
    const asset = /(?:src|href)="(\/assets\/[^"]+)"/.exec(html)?.[1];
    assert.ok(asset, `no /assets/ reference in the page:\n${html.slice(0, 400)}`);
    assert.strictEqual((await api.call('GET', asset)).status, 200, asset);
    const next = await fetch(`${api.base}/next`); // follows Next's trailing-slash redirect, if any
    assert.strictEqual(next.status, 200, `/next answered ${next.status}`);
    assert.match(next.headers.get('content-type') ?? '', /text\/html/);
  });
});
