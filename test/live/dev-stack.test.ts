// The REAL program (index.ts, components/, Pulumi.dev.yaml) on the real engine: only the
// image references, free host ports and the build CA differ from a developer's `pulumi up`.
import assert from 'assert';
import path from 'path';
import { dockerClient } from './engine/docker-client';
import { LiveStack, runStack } from './engine/run-stack';
import { teardownStack } from './engine/teardown';
import { DevPorts, extraCaBuildArgs, freeDevPorts, imageOverrides, requireLive } from './support';
import { demux } from './engine/resources/container';

const ROOT = path.resolve(__dirname, '../..');
// Own stack name: container names and labels never collide with a real or another test's dev stack.
const STACK = 'livedev';

describe('dev stack on the real engine (as stack livedev)', function () {
  let live: LiveStack | undefined;
  let ports: DevPorts;
  const docker = dockerClient();

  before(async function () {
    await requireLive(this);
    await teardownStack(docker, STACK, { purge: true, graceSeconds: 2 });
    ports = await freeDevPorts();
    const portOverrides = Object.fromEntries(Object.entries(ports).map(([k, v]) => [`ports.${k}`, v]));
    const started = Date.now();
    live = await runStack({
      stack: STACK,
      configStack: 'dev',
      projectDir: ROOT,
      configOverrides: { ...imageOverrides(), ...portOverrides, ...extraCaBuildArgs() },
      log: (l) => { if (!/Step \d+\/\d+/.test(l)) console.log(`      [dev] ${l}`); },
    });
    console.log(`      dev stack up in ${((Date.now() - started) / 1000).toFixed(1)}s (program run ${live.seconds.toFixed(1)}s)`);
    if (!live.ok) console.log(`      errors:\n${live.errors.map((e) => `        ${e}`).join('\n')}`);
  });

  after(async function () {
    if (live && process.env.IMSTACK_LIVE_KEEP !== '1') {
      const r = await live.teardown({ purge: process.env.IMSTACK_LIVE_KEEP_DATA !== '1' });
      console.log(`      teardown removed ${r.containers.length} containers, ${r.networks.length} networks, ${r.volumes.length} volumes`);
    }
  });

  it('comes up without errors', function () {
    assert.deepStrictEqual(live!.errors, []);
  });

  it('every long-running container is healthy and the one-shot exited 0', async function () {
    const cs = await docker.listContainers({ all: true, filters: { label: [`com.imstack.stack=${STACK}`, 'com.imstack.live=1'] } });
    const byService = new Map(cs.map((c) => [c.Labels['com.imstack.service'] + (c.Labels['com.imstack.replica'] ? `-${c.Labels['com.imstack.replica']}` : ''), c]));
    for (const s of ['postgres', 'redis', 'minio', 'backend-1', 'web', 'next', 'nginx', 'backup']) {
      const c = byService.get(s);
      assert.ok(c, `no ${s} container`);
      const info = await docker.getContainer(c.Id).inspect();
      assert.strictEqual(info.State.Health?.Status, 'healthy', `${s} is ${info.State.Health?.Status}`);
    }
    const init = byService.get('minio-init');
    assert.ok(init, 'no minio-init container');
    const st = await docker.getContainer(init.Id).inspect();
    assert.strictEqual(st.State.ExitCode, 0, demux((await docker.getContainer(init.Id).logs({ stdout: true, stderr: true })) as unknown as Buffer));
    const ready = live!.resources.filter((r) => r.type === 'docker:index/container:Container').map((r) => `${r.name} ${((r.finishedAt - r.startedAt) / 1000).toFixed(1)}s`);
    console.log(`      create-to-ready per container: ${ready.join(', ')}`);
  });

  it('/health through nginx reports every dependency ok', async function () {
    const res = await fetch(`http://127.0.0.1:${ports.http}/health`);
    const body = (await res.json()) as { status: string; checks: Record<string, unknown> };
    assert.strictEqual(res.status, 200, JSON.stringify(body));
    assert.strictEqual(body.status, 'ok');
  });

  it('reports container memory use', async function () {
    const cs = await docker.listContainers({ filters: { label: [`com.imstack.stack=${STACK}`, 'com.imstack.live=1'] } });
    const lines: string[] = [];
    for (const c of cs) {
      const s = (await docker.getContainer(c.Id).stats({ stream: false })) as unknown as { memory_stats: { usage: number; stats?: { cache?: number } } };
      lines.push(`${c.Names[0].replace(/^\//, '')} ${((s.memory_stats.usage - (s.memory_stats.stats?.cache ?? 0)) / 1048576).toFixed(0)} MiB`);
    }
    console.log(`      memory: ${lines.join(', ')}`);
    assert.ok(lines.length >= 7);
  });
});
