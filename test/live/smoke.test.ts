// The live layer on a tiny synthetic program: real containers, real secrets, real order.
import assert from 'assert';
import net from 'net';
import path from 'path';
import { Client } from 'pg';
import Redis from 'ioredis';
import { dockerClient } from './engine/docker-client';
import { LiveStack, runStack } from './engine/run-stack';
import { freePort, requireLive, usingOfficialImages } from './support';
import { SUBSTITUTE_TAGS } from './images/build';

const FIXTURE = path.join(__dirname, 'fixtures', 'smoke');

describe('live layer smoke (synthetic program on the real engine)', function () {
  let live: LiveStack | undefined;
  let pgPort = 0;
  let redisPort = 0;

  before(async function () {
    await requireLive(this);
    pgPort = await freePort();
    redisPort = await freePort();
    live = await runStack({
      stack: 'smoke',
      projectDir: FIXTURE,
      stateDir: path.join(__dirname, '.state', 'smoke-test'),
      configOverrides: {
        'images.postgres': usingOfficialImages() ? 'postgres:16' : SUBSTITUTE_TAGS.postgres,
        'images.redis': usingOfficialImages() ? 'redis:7' : SUBSTITUTE_TAGS.redis,
        'ports.postgres': pgPort,
        'ports.redis': redisPort,
      },
      log: (l) => console.log(`      [smoke] ${l}`),
    });
  });

  after(async function () {
    if (live) {
      const r = await live.teardown({ purge: true });
      console.log(`      teardown removed ${r.containers.length} containers, ${r.networks.length} networks, ${r.volumes.length} volumes`);
    }
  });

  it('runs without errors and exports its outputs', function () {
    assert.deepStrictEqual(live!.errors, []);
    assert.ok(live!.ok);
    assert.strictEqual(live!.outputs.postgresPassword.secret, true, 'RandomPassword.result must stay a secret');
    assert.strictEqual(live!.output<number>('postgresPort'), pgPort);
  });

  it('generated passwords honour their options', function () {
    const pg = live!.output<string>('postgresPassword');
    assert.match(pg, /^[A-Za-z0-9]{24}$/);
    const rd = live!.output<string>('redisAuth');
    assert.match(rd, /^[A-Za-z0-9_-]{20}$/);
    assert.ok((rd.match(/[0-9]/g) ?? []).length >= 2, 'minNumeric 2');
  });

  it('postgres accepts the generated password and refuses a wrong one', async function () {
    const ok = new Client({ host: '127.0.0.1', port: pgPort, user: 'postgres', password: live!.output<string>('postgresPassword'), database: 'smoke' });
    await ok.connect();
    const r = await ok.query('SELECT current_database() AS db');
    await ok.end();
    assert.strictEqual(r.rows[0].db, 'smoke');
    const bad = new Client({ host: '127.0.0.1', port: pgPort, user: 'postgres', password: 'wrong-password', database: 'smoke' });
    await assert.rejects(bad.connect(), /password authentication failed/);
  });

  it('redis requires its password', async function () {
    // A bare RESP2 PING: ioredis would negotiate HELLO first and hide the plain NOAUTH.
    const reply = await new Promise<string>((resolve, reject) => {
      const sock = net.connect(redisPort, '127.0.0.1', () => sock.write('PING\r\n'));
      sock.once('data', (d) => { resolve(d.toString()); sock.destroy(); });
      sock.once('error', reject);
    });
    assert.match(reply, /^-NOAUTH/);
    const authed = new Redis({ host: '127.0.0.1', port: redisPort, password: live!.output<string>('redisAuth'), lazyConnect: true });
    await authed.connect();
    assert.strictEqual(await authed.ping(), 'PONG');
    authed.disconnect();
  });

  it('the local command ran for real with its stdin', function () {
    assert.strictEqual(live!.output<string>('probeOutput'), '42');
  });

  it('dependsOn is honoured: redis is created only after postgres is healthy', function () {
    const pg = live!.resources.find((r) => r.type === 'docker:index/container:Container' && r.name === 'postgres');
    const rd = live!.resources.find((r) => r.type === 'docker:index/container:Container' && r.name === 'redis');
    assert.ok(pg && rd);
    assert.ok(rd.startedAt >= pg.finishedAt, `redis started ${pg.finishedAt - rd.startedAt} ms before postgres was healthy`);
  });

  it('containers sit on the private network under their aliases, not on the default bridge', async function () {
    const info = await dockerClient().getContainer('livesmoke-smoke-postgres').inspect();
    assert.deepStrictEqual(Object.keys(info.NetworkSettings.Networks), ['livesmoke-smoke-net']);
    assert.ok(info.NetworkSettings.Networks['livesmoke-smoke-net'].Aliases?.includes('postgres'));
    assert.strictEqual(info.HostConfig.Memory, 256 * 1024 * 1024);
    assert.deepStrictEqual(info.HostConfig.SecurityOpt, ['no-new-privileges:true']);
    assert.strictEqual(info.Config.Healthcheck?.Interval, 1e9);
  });
});

describe('live layer refuses what it does not implement (synthetic program)', function () {
  it('fails the run naming the argument, and never creates the dependant', async function () {
    await requireLive(this);
    if (usingOfficialImages()) this.skip();
    const live = await runStack({
      stack: 'fail',
      projectDir: path.join(__dirname, 'fixtures', 'failing'),
      stateDir: path.join(__dirname, '.state', 'fail-test'),
      log: () => undefined,
    });
    try {
      assert.strictEqual(live.ok, false);
      assert.ok(live.errors.some((e) => /Container "broken" argument\(s\) not implemented: gpus/.test(e)), live.errors.join('\n'));
      assert.ok(live.errors.some((e) => /dependantName never resolved/.test(e)), live.errors.join('\n'));
      assert.ok(!live.resources.some((r) => r.name === 'dependant'));
      assert.strictEqual(live.output<string>('network'), 'livefail-fail-net');
      const cs = await dockerClient().listContainers({ all: true, filters: { name: ['livefail-fail-'] } });
      assert.deepStrictEqual(cs, []);
    } finally {
      await live.teardown({ purge: true });
    }
  });
});
