// The substitute images keep the official images' conventions the program and compose
// users rely on. Skipped when official images are in use (nothing to check).
import assert from 'assert';
import Docker from 'dockerode';
import { Client } from 'pg';
import * as Minio from 'minio';
import { dockerClient } from './engine/docker-client';
import { demux } from './engine/resources/container';
import { SUBSTITUTE_TAGS } from './images/build';
import { freePort, requireLive, usingOfficialImages } from './support';

const PREFIX = `imstack-livetest-img-${process.pid}`;

async function run(docker: Docker, name: string, opts: Docker.ContainerCreateOptions): Promise<Docker.Container> {
  const c = await docker.createContainer({ name: `${PREFIX}-${name}`, Labels: { 'com.imstack.live': '1', 'com.imstack.stack': PREFIX }, ...opts });
  await c.start();
  return c;
}

async function until<T>(what: string, fn: () => Promise<T>, timeoutMs = 30000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      if (Date.now() > deadline) throw new Error(`${what}: ${(e as Error).message}`);
      await new Promise((r) => setTimeout(r, 300));
    }
  }
}

async function execOut(c: Docker.Container, cmd: string[], env: string[] = []): Promise<{ code: number; out: string }> {
  const ex = await c.exec({ Cmd: cmd, Env: env, AttachStdout: true, AttachStderr: true });
  const stream = await ex.start({});
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve) => { stream.on('data', (d: Buffer) => chunks.push(d)); stream.on('end', () => resolve()); });
  const info = await ex.inspect();
  return { code: info.ExitCode ?? -1, out: demux(Buffer.concat(chunks)) };
}

describe('substitute images follow the official conventions', function () {
  const docker = dockerClient();

  before(async function () {
    await requireLive(this);
    if (usingOfficialImages()) this.skip();
    await docker.createNetwork({ Name: PREFIX, Labels: { 'com.imstack.live': '1', 'com.imstack.stack': PREFIX } });
  });

  after(async function () {
    const cs = await docker.listContainers({ all: true, filters: { label: [`com.imstack.stack=${PREFIX}`] } });
    await Promise.all(cs.map((c) => docker.getContainer(c.Id).remove({ force: true, v: true })));
    try { await docker.getNetwork(PREFIX).remove(); } catch { /* never created */ }
  });

  it('postgres: POSTGRES_USER/DB, PASSWORD_FILE, init scripts (.sql and .sh), scram auth over TCP', async function () {
    const port = await freePort();
    const c = await docker.createContainer({
      name: `${PREFIX}-pg`, Image: SUBSTITUTE_TAGS.postgres,
      Labels: { 'com.imstack.live': '1', 'com.imstack.stack': PREFIX },
      Env: ['POSTGRES_USER=boss', 'POSTGRES_DB=app', 'POSTGRES_PASSWORD_FILE=/run/secrets/pg', 'PGDATA=/var/lib/postgresql/data/pgdata'],
      ExposedPorts: { '5432/tcp': {} },
      HostConfig: { PortBindings: { '5432/tcp': [{ HostIp: '127.0.0.1', HostPort: String(port) }] } },
    });
    const { pack } = await import('tar-stream');
    const p = pack();
    p.entry({ name: 'run/secrets/pg', mode: 0o444 }, 's3cret-pw');
    p.entry({ name: 'docker-entrypoint-initdb.d/01-table.sql', mode: 0o644 }, 'CREATE TABLE seeded (v int); INSERT INTO seeded VALUES (7);');
    p.entry({ name: 'docker-entrypoint-initdb.d/02-role.sh', mode: 0o644 }, 'psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" -c "CREATE ROLE reader LOGIN"\n');
    p.finalize();
    await c.putArchive(p as unknown as NodeJS.ReadableStream, { path: '/' });
    await c.start();
    const client = await until('postgres login', async () => {
      const cl = new Client({ host: '127.0.0.1', port, user: 'boss', password: 's3cret-pw', database: 'app' });
      await cl.connect();
      return cl;
    }, 60000);
    const r = await client.query("SELECT (SELECT v FROM seeded) AS v, (SELECT count(*) FROM pg_roles WHERE rolname = 'reader')::int AS readers, current_setting('password_encryption') AS enc");
    await client.end();
    assert.deepStrictEqual(r.rows[0], { v: 7, readers: 1, enc: 'scram-sha-256' });
    const wrong = new Client({ host: '127.0.0.1', port, user: 'boss', password: 'nope', database: 'app' });
    await assert.rejects(wrong.connect(), /password authentication failed/);
    const ps = await execOut(c, ['sh', '-c', 'pg_isready -h 127.0.0.1 -U boss && stat -c %U /var/lib/postgresql/data/pgdata && cat /proc/1/status | grep ^Uid']);
    assert.strictEqual(ps.code, 0, ps.out);
    assert.match(ps.out, /accepting connections/);
    assert.match(ps.out, /^postgres$/m);
    assert.doesNotMatch(ps.out, /Uid:\s+0\s/, 'postgres must not run as root');
  });

  it('postgres refuses to initialise without a password, like the official image', async function () {
    const c = await run(docker, 'pg-nopw', { Image: SUBSTITUTE_TAGS.postgres });
    const res = (await c.wait()) as { StatusCode: number };
    assert.notStrictEqual(res.StatusCode, 0);
    assert.match(demux((await c.logs({ stdout: true, stderr: true })) as unknown as Buffer), /superuser password is not specified/);
  });

  it('redis: flags go to redis-server as the redis user; requirepass holds', async function () {
    const c = await run(docker, 'redis', { Image: SUBSTITUTE_TAGS.redis, Cmd: ['--requirepass', 'pw-123456', '--appendonly', 'yes'] });
    const ping = await until('redis ping', async () => {
      const r = await execOut(c, ['redis-cli', 'ping'], ['REDISCLI_AUTH=pw-123456']);
      if (!/PONG/.test(r.out)) throw new Error(r.out);
      return r.out;
    });
    assert.match(ping, /PONG/);
    assert.match((await execOut(c, ['redis-cli', 'get', 'x'])).out, /NOAUTH/);
    assert.match((await execOut(c, ['sh', '-c', 'grep ^Uid /proc/1/status; ls -ld /data'])).out, /redis/);
    assert.match((await execOut(c, ['sh', '-c', 'grep ^Uid /proc/1/status'])).out, /Uid:\s+[1-9]/);
  });

  it('nginx: official layout and `nginx -g daemon off;` by default', async function () {
    const c = await run(docker, 'nginx', { Image: SUBSTITUTE_TAGS.nginx });
    const r = await until('nginx answers', async () => {
      const x = await execOut(c, ['curl', '-fsS', 'http://127.0.0.1/']);
      if (x.code !== 0) throw new Error(x.out);
      return x.out;
    });
    assert.match(r, /Welcome to nginx/);
    assert.strictEqual((await execOut(c, ['nginx', '-t'])).code, 0);
    assert.match((await execOut(c, ['sh', '-c', 'id nginx && ls /etc/nginx/conf.d'])).out, /default\.conf/);
  });

  it('minio + mc: root credentials, app user via mc, SigV4 checked, health endpoints', async function () {
    const port = await freePort();
    const m = await docker.createContainer({
      name: `${PREFIX}-minio`, Image: SUBSTITUTE_TAGS.minio, Cmd: ['server', '/data', '--console-address', ':9001'],
      Labels: { 'com.imstack.live': '1', 'com.imstack.stack': PREFIX },
      Env: ['MINIO_ROOT_USER=rootuser', 'MINIO_ROOT_PASSWORD=rootpassword1'],
      ExposedPorts: { '9000/tcp': {} },
      HostConfig: { NetworkMode: PREFIX, PortBindings: { '9000/tcp': [{ HostIp: '127.0.0.1', HostPort: String(port) }] } },
      NetworkingConfig: { EndpointsConfig: { [PREFIX]: { Aliases: ['minio'] } } },
    });
    await m.start();
    await until('mc ready local', async () => {
      const r = await execOut(m, ['mc', 'ready', 'local']);
      if (r.code !== 0) throw new Error(r.out);
    });
    const init = await run(docker, 'mc', {
      Image: SUBSTITUTE_TAGS.mc, Entrypoint: ['/bin/sh', '-c'],
      Cmd: ['set -eu; mc mb --ignore-existing imstack/bucket1; mc mb --ignore-existing imstack/bucket1; mc admin user add imstack app "$APP_SECRET"; echo \'{"Statement":[{"Effect":"Allow","Action":["s3:ListAllMyBuckets"],"Resource":["arn:aws:s3:::*"]},{"Effect":"Allow","Action":["s3:*"],"Resource":["arn:aws:s3:::bucket1","arn:aws:s3:::bucket1/*"]}]}\' > /tmp/p.json; mc admin policy create imstack p1 /tmp/p.json; mc admin policy attach imstack p1 --user app'],
      Env: ['MC_HOST_imstack=http://rootuser:rootpassword1@minio:9000', 'APP_SECRET=appsecret99'],
      HostConfig: { NetworkMode: PREFIX },
    });
    const code = ((await init.wait()) as { StatusCode: number }).StatusCode;
    assert.strictEqual(code, 0, demux((await init.logs({ stdout: true, stderr: true })) as unknown as Buffer));
    const app = new Minio.Client({ endPoint: '127.0.0.1', port, useSSL: false, accessKey: 'app', secretKey: 'appsecret99', region: 'us-east-1' });
    await app.putObject('bucket1', 'k/one.txt', Buffer.from('hello'));
    const url = await app.presignedGetObject('bucket1', 'k/one.txt', 60);
    assert.strictEqual(await (await fetch(url)).text(), 'hello');
    const wrong = new Minio.Client({ endPoint: '127.0.0.1', port, useSSL: false, accessKey: 'app', secretKey: 'not-the-secret', region: 'us-east-1' });
    await assert.rejects(wrong.putObject('bucket1', 'x', Buffer.from('x')), (e: Error & { code?: string }) => e.code === 'SignatureDoesNotMatch');
    const unknown = new Minio.Client({ endPoint: '127.0.0.1', port, useSSL: false, accessKey: 'nobody', secretKey: 'whatever12', region: 'us-east-1' });
    await assert.rejects(unknown.listBuckets(), (e: Error & { code?: string }) => e.code === 'InvalidAccessKeyId');
    assert.strictEqual((await fetch(`http://127.0.0.1:${port}/minio/health/live`)).status, 200);
    // Users persist in /data/.minio.sys across a restart, and that folder is not a bucket.
    await m.restart();
    await until('app user after restart', async () => { await app.statObject('bucket1', 'k/one.txt'); });
    assert.deepStrictEqual((await app.listBuckets()).map((b) => b.name), ['bucket1']);
  });
});
