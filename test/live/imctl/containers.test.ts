// imctl against a real stack on the real engine: status, stop/start/restart of one service
// and of all, logs with --tail and --since, and health including a degraded and a down case.
// The stack is the real program run by the live layer (runStack) under stack "imctllive",
// or an already-running stack named by IMCTL_LIVE_STACK (nothing is deployed or removed then).
import * as assert from 'assert';
import * as path from 'path';
import { LiveStack, runStack } from '../engine/run-stack';
import { extraCaBuildArgs, freeDevPorts, liveStackOverrides, requireLive } from '../support';
import { eventually, imctl, jsonResult, ROOT, scratchProject, transcript } from './support';

const STACK = process.env.IMCTL_LIVE_STACK ?? 'imctllive';

describe('imctl on a live stack (real Docker engine)', function () {
  let live: LiveStack | undefined;
  const cli = (...args: string[]) => imctl(['--stack', STACK, ...args]);
  const healthCode = async (): Promise<number> => (await cli('health', '--timeout', '3s')).code;

  before(async function () {
    await requireLive(this);
    if (process.env.IMCTL_LIVE_STACK) return;
    const ports = await freeDevPorts();
    const portOverrides = Object.fromEntries(Object.entries(ports).map(([k, v]) => [`ports.${k}`, v]));
    const started = Date.now();
    live = await runStack({
      stack: STACK,
      projectDir: scratchProject(STACK),
      program: path.join(ROOT, 'index.ts'),
      configOverrides: { ...liveStackOverrides(), ...portOverrides, ...extraCaBuildArgs() },
      log: (l) => console.log(`      [${STACK}] ${l}`),
    });
    console.log(`      stack ${STACK} up in ${((Date.now() - started) / 1000).toFixed(1)}s`);
    if (!live.ok) throw new Error(`stack ${STACK} did not come up:\n${live.errors.join('\n')}`);
  });

  after(async function () {
    if (live && process.env.IMSTACK_LIVE_KEEP !== '1') {
      const r = await live.teardown({ purge: true });
      console.log(`      teardown removed ${r.containers.length} containers, ${r.networks.length} networks, ${r.volumes.length} volumes`);
    }
  });

  it('status lists every service with state, health, uptime and ports', async function () {
    const r = await cli('status');
    transcript(`--stack ${STACK} status`, r);
    assert.strictEqual(r.code, 0, r.stderr);
    assert.match(r.stdout, /^SERVICE +CONTAINER +STATE +HEALTH +UPTIME +PORTS/);
    for (const s of ['postgres', 'redis', 'seaweedfs', 'backend-1', 'web', 'next', 'nginx']) {
      assert.match(r.stdout, new RegExp(`^${s} +imstack-${STACK}-${s} +running +healthy`, 'm'), s);
    }
    const json = await cli('--json', 'status');
    const rows = jsonResult<Array<{ service: string; state: string; ports: unknown[] }>>(json);
    assert.ok(rows.find((x) => x.service === 'nginx')?.ports.length, 'nginx publishes a port');
  });

  it('health: everything ok, exit 0 (real pg query, redis PING, bucket, /health through nginx, disk, ports)', async function () {
    await eventually(async () => (await healthCode()) === 0, 60000, 'a healthy stack');
    const r = await cli('health');
    transcript(`--stack ${STACK} health`, r);
    assert.strictEqual(r.code, 0, r.stdout);
    for (const name of ['postgres query', 'redis ping', 'bucket', 'backend /health via nginx', 'disk docker data root']) {
      assert.match(r.stdout, new RegExp(`^${name.replace(/[./]/g, '\\$&')} +ok`, 'm'), name);
    }
    assert.match(r.stdout, /PostgreSQL \d+/);
    assert.doesNotMatch(r.stdout + r.stderr, /postgres:\/\/[^\s]*:[^\s[]+@/, 'no credential in the output');
  });

  it('logs: prefixed per service, --tail limits lines, --since filters by time', async function () {
    const all = await cli('logs', '--tail', '3');
    transcript(`--stack ${STACK} logs --tail 3`, all);
    assert.strictEqual(all.code, 0, all.stderr);
    assert.match(all.stdout, /^postgres +\| /m);
    assert.match(all.stdout, /^nginx +\| /m);
    const tail = await cli('logs', 'postgres', '--tail', '2');
    assert.strictEqual(tail.code, 0);
    const lines = tail.stdout.trim().split('\n');
    assert.ok(lines.length >= 1 && lines.length <= 2, tail.stdout);
    assert.ok(lines.every((l) => l.startsWith('postgres | ')), tail.stdout);
    // Generate a fresh nginx access log line, then ask for everything since a timestamp recorded
    // before it. A relative --since (e.g. "2s") raced the health call plus ts-node start-up on a
    // loaded machine; a recorded instant does not depend on how long either takes.
    const mark = new Date();
    await cli('health', '--timeout', '3s');
    const since = await cli('logs', 'nginx', '--since', mark.toISOString(), '--tail', 'all', '--timestamps');
    assert.strictEqual(since.code, 0);
    assert.match(since.stdout, /GET \/health/, since.stdout);
    for (const l of since.stdout.trim().split('\n')) {
      const t = /\| (\S+Z) /.exec(l)?.[1];
      // Docker's own timestamps and ours come from the same kernel clock; 1 s covers rounding.
      assert.ok(t && Date.parse(t) >= mark.getTime() - 1000, `line older than --since: ${l}`);
    }
    const none = await cli('logs', 'postgres', '--since', new Date(Date.now() + 3600000).toISOString());
    assert.strictEqual(none.stdout.trim(), '', 'nothing after a future --since');
  });

  it('degraded: redis stopped -> health exit 1; started again (health-gated) -> exit 0', async function () {
    const stop = await cli('stop', 'redis');
    assert.strictEqual(stop.code, 0, stop.stderr);
    assert.match(stop.stdout, /stopped: redis exited/);
    const r = await cli('health', '--timeout', '3s');
    transcript(`--stack ${STACK} health   (redis stopped)`, r);
    assert.strictEqual(r.code, 1, r.stdout);
    assert.match(r.stdout, /^container redis +degraded/m);
    assert.match(r.stdout, /stack imctllive: degraded \(exit 1\)|degraded \(exit 1\)/);
    const start = await cli('start', 'redis');
    assert.strictEqual(start.code, 0, start.stderr);
    assert.match(start.stderr, /✓ redis healthy/);
    await eventually(async () => (await healthCode()) === 0, 60000, 'health back to 0 after redis start');
  });

  it('down: postgres stopped -> health exit 2; restart of it comes back healthy', async function () {
    assert.strictEqual((await cli('stop', 'postgres')).code, 0);
    const r = await cli('health', '--timeout', '3s');
    transcript(`--stack ${STACK} health   (postgres stopped)`, r);
    assert.strictEqual(r.code, 2, r.stdout);
    assert.match(r.stdout, /^postgres query +down/m);
    const restart = await cli('restart', 'postgres');
    assert.strictEqual(restart.code, 0, restart.stderr);
    await eventually(async () => (await healthCode()) === 0, 90000, 'health back to 0 after postgres restart');
  });

  it('restart of a single service resets only its uptime', async function () {
    const before = jsonResult<Array<{ service: string; startedAt: string }>>(await cli('--json', 'status'));
    const r = await cli('restart', 'nginx');
    assert.strictEqual(r.code, 0, r.stderr);
    const after = jsonResult<Array<{ service: string; startedAt: string }>>(await cli('--json', 'status'));
    const at = (rows: typeof before, s: string) => rows.find((x) => x.service === s)?.startedAt;
    assert.notStrictEqual(at(after, 'nginx'), at(before, 'nginx'));
    assert.strictEqual(at(after, 'postgres'), at(before, 'postgres'));
  });

  it('stop all -> everything exited and health exit 2; start all -> data, app, edge in order and healthy', async function () {
    const stop = await cli('stop');
    assert.strictEqual(stop.code, 0, stop.stderr);
    const order = [...stop.stderr.matchAll(/^stopping (\S+)/gm)].map((m) => m[1]);
    assert.ok(order.indexOf('nginx') < order.indexOf('backend-1') && order.indexOf('backend-1') < order.indexOf('postgres'), order.join(','));
    const status = jsonResult<Array<{ service: string; state: string }>>(await cli('--json', 'status'));
    assert.ok(status.every((c) => c.state !== 'running'), JSON.stringify(status));
    assert.strictEqual(await healthCode(), 2);
    const start = await cli('start');
    transcript(`--stack ${STACK} start`, start);
    assert.strictEqual(start.code, 0, start.stderr);
    const started = [...start.stderr.matchAll(/^starting (\S+)/gm)].map((m) => m[1]);
    assert.ok(started.indexOf('postgres') < started.indexOf('backend-1') && started.indexOf('backend-1') < started.indexOf('nginx'), started.join(','));
    await eventually(async () => (await healthCode()) === 0, 90000, 'health back to 0 after start all');
  });

  it('unknown service is a usage error (3) and touches nothing', async function () {
    const r = await cli('stop', 'mysql');
    assert.strictEqual(r.code, 3);
    assert.match(r.stderr, /unknown service: mysql/);
  });
});
