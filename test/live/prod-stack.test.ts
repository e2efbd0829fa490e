// The real program with Pulumi.prod.yaml: only nginx is published, the data network is
// internal, and the stack still serves through nginx.
import assert from 'assert';
import net from 'net';
import path from 'path';
import { dockerClient } from './engine/docker-client';
import { LiveStack, runStack } from './engine/run-stack';
import { teardownStack } from './engine/teardown';
import { extraCaBuildArgs, freePort, imageOverrides, requireLive } from './support';

const ROOT = path.resolve(__dirname, '../..');
const STACK = 'liveprod';

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => { s.destroy(); resolve(false); });
    s.once('error', () => resolve(true));
  });
}

describe('prod stack on the real engine (as stack liveprod)', function () {
  let live: LiveStack | undefined;
  let http = 0;
  const docker = dockerClient();

  before(async function () {
    await requireLive(this);
    await teardownStack(docker, STACK, { purge: true, graceSeconds: 2 });
    http = await freePort();
    const started = Date.now();
    live = await runStack({
      stack: STACK,
      configStack: 'prod',
      projectDir: ROOT,
      configOverrides: { ...imageOverrides(), 'ports.http': http, ...extraCaBuildArgs() },
      log: (l) => { if (!/Step \d+\/\d+/.test(l)) console.log(`      [prod] ${l}`); },
    });
    console.log(`      prod stack up in ${((Date.now() - started) / 1000).toFixed(1)}s`);
    if (!live.ok) console.log(`      errors:\n${live.errors.map((e) => `        ${e}`).join('\n')}`);
  });

  after(async function () {
    if (live && process.env.IMSTACK_LIVE_KEEP !== '1') await live.teardown({ purge: process.env.IMSTACK_LIVE_KEEP_DATA !== '1' });
  });

  it('comes up without errors, with two backend replicas', async function () {
    assert.deepStrictEqual(live!.errors, []);
    const backends = await docker.listContainers({ filters: { label: [`com.imstack.stack=${STACK}`, 'com.imstack.service=backend'] } });
    assert.strictEqual(backends.length, 2);
  });

  it('publishes nothing but nginx', async function () {
    const cs = await docker.listContainers({ filters: { label: [`com.imstack.stack=${STACK}`, 'com.imstack.live=1'] } });
    const published = cs.flatMap((c) => c.Ports.filter((p) => p.PublicPort).map((p) => `${c.Labels['com.imstack.service']}:${p.PublicPort}`));
    assert.deepStrictEqual(published, [`nginx:${http}`]);
    for (const port of [5432, 6379, 9000, 9001, 4000, 3000, 5173]) {
      const owner = (await docker.listContainers({ filters: { publish: [String(port)] } })).map((c) => c.Names[0]);
      if (owner.length === 0) assert.ok(await refused(port), `127.0.0.1:${port} accepts connections`);
    }
  });

  it('the data network is internal and the backends reach their data services', async function () {
    const nets = await docker.listNetworks({ filters: { label: [`com.imstack.stack=${STACK}`] } });
    const data = nets.find((n) => n.Name === `imstack-${STACK}-data`);
    assert.ok(data, 'no data network');
    assert.strictEqual(data.Internal, true);
    const res = await fetch(`http://127.0.0.1:${http}/health`);
    const body = (await res.json()) as { status: string };
    assert.strictEqual(res.status, 200, JSON.stringify(body));
    assert.strictEqual(body.status, 'ok');
  });
});
