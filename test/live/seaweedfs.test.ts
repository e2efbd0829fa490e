// The real SeaweedFS server (weed built here from its Go module, in the image that stands in for
// chrislusf/seaweedfs) with the identities file the program renders: the app identity is held
// to its bucket, signatures and presigned expiry are checked, anonymous requests are refused,
// only the S3 and metrics ports are reachable, and keys rotate on the same data volume.
import assert from 'assert';
import crypto from 'crypto';
import fs from 'fs';
import net from 'net';
import path from 'path';
import Docker from 'dockerode';
import * as Minio from 'minio';
import { dockerClient } from './engine/docker-client';
import { execOut, healthcheck, logsOf, oneFileTar, startSeaweedfsGateway, until } from './objectstore/gateway';
import { spawnSync } from 'child_process';
import { IN_CI, requireLive } from './support';
import { ensureSeaweedfsImage, SeaweedfsImage } from './images/seaweedfs/image';
import { SEAWEEDFS_IDENTITY, SEAWEEDFS_UID, seaweedfsBucketNameProblem, seaweedfsS3Config } from '../../components/objectStore/seaweedfsIdentities';
import { SECRET_FILE_MODE, secretPath } from '../../components/secretFiles';
import { SECRET_VARIABLES } from '../support/secretVariables';
import {
  SEAWEEDFS_BOOTSTRAP_ENV, SEAWEEDFS_HEALTHCHECK, SEAWEEDFS_LOOPBACK_PORTS, SEAWEEDFS_PORTS, SEAWEEDFS_REGION,
  SEAWEEDFS_S3_CONFIG_PATH, SEAWEEDFS_STOP_GRACE_SECONDS, seaweedfsBootstrapScript, seaweedfsServerArgs,
} from '../../components/objectStore/seaweedfsRuntime';

const PREFIX = `imstack-livetest-sw-${process.pid}`;
const LABELS = { 'com.imstack.live': '1', 'com.imstack.stack': PREFIX };
const APP_BUCKET = 'uploads';
const OTHER_BUCKET = 'backups-private';

interface Keys { accessKey: string; secretKey: string }
const newSecret = (): string => crypto.randomBytes(24).toString('base64url');
const newKeys = (who: string): Keys => ({ accessKey: `${who}-${crypto.randomBytes(6).toString('hex')}`, secretKey: newSecret() });
const SECRET_MODE = parseInt(SECRET_FILE_MODE, 8);

/** The content of one file in a (possibly exited) container, through the archive API. */
async function readFileIn(c: Docker.Container, file: string): Promise<string> {
  const { extract } = await import('tar-stream');
  const archive = (await c.getArchive({ path: file })) as unknown as NodeJS.ReadableStream;
  return new Promise((resolve, reject) => {
    const x = extract();
    let text = '';
    x.on('entry', (_h, stream, next) => { stream.on('data', (d) => { text += (d as Buffer).toString(); }); stream.on('end', next); stream.resume(); });
    x.on('finish', () => resolve(text));
    x.on('error', reject);
    archive.pipe(x);
  });
}

function tcpConnects(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    const done = (ok: boolean) => { s.destroy(); resolve(ok); };
    s.setTimeout(2000, () => done(false));
    s.on('connect', () => done(true));
    s.on('error', () => done(false));
  });
}

/** The final stage of upstream's docker/Dockerfile.go_build: what the official image is. */
function officialImageConfig(source: string) {
  const text = fs.readFileSync(path.join(source, 'docker', 'Dockerfile.go_build'), 'utf8');
  const final = text.slice(text.lastIndexOf('\nFROM '));
  const json = (instr: string): string[] => JSON.parse(new RegExp(`^${instr} (\\[.*\\])$`, 'm').exec(final)![1]) as string[];
  return {
    entrypoint: json('ENTRYPOINT'),
    cmd: json('CMD'),
    ports: [...final.matchAll(/^EXPOSE (\d+)$/gm)].map((m) => `${m[1]}/tcp`).sort(),
    volumes: [...final.matchAll(/^VOLUME (\S+)$/gm)].map((m) => m[1]),
    workdir: /^WORKDIR (\S+)$/m.exec(final)![1],
    user: /adduser -D -u (\d+) -G (\S+) (\S+)/.exec(final)!,
  };
}

function s3(ip: string, keys: Keys): Minio.Client {
  return new Minio.Client({ endPoint: ip, port: SEAWEEDFS_PORTS.s3, useSSL: false, pathStyle: true, region: SEAWEEDFS_REGION, ...keys });
}

async function listKeys(c: Minio.Client, bucket: string): Promise<string[]> {
  const names: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const st = c.listObjectsV2(bucket, '', true);
    st.on('data', (o: { name?: string }) => { if (o.name) names.push(o.name); });
    st.on('error', reject);
    st.on('end', resolve);
  });
  return names.sort();
}

const s3Error = (code: string) => (e: Error & { code?: string }) => {
  assert.strictEqual(e.code, code, `expected S3 error ${code}, got ${e.code ?? '(none)'}: ${e.message}`);
  return true;
};

describe('seaweedfs: the real server, S3 identities enforced', function () {
  const docker = dockerClient();
  const network = PREFIX;
  const volume = `${PREFIX}-data`;
  let admin = newKeys('admin');
  let app = newKeys('app');
  const s3Config = () => JSON.stringify(seaweedfsS3Config(APP_BUCKET, { app, admin }), null, 2);
  let img: SeaweedfsImage;
  let gateway: Docker.Container;
  let ip: string;

  async function startGateway(): Promise<Docker.Container> {
    const gw = await startSeaweedfsGateway(docker, {
      name: `${PREFIX}-gw-${crypto.randomBytes(3).toString('hex')}`, image: img.image, labels: LABELS,
      network, alias: 'seaweedfs', volume, s3Config: s3Config(),
    });
    ip = gw.ip;
    return gw.container;
  }

  async function bootstrap(): Promise<{ code: number; out: string; secretLeft: string }> {
    const secretFile = secretPath(SEAWEEDFS_BOOTSTRAP_ENV.secretKey);
    const c = await docker.createContainer({
      name: `${PREFIX}-boot-${crypto.randomBytes(3).toString('hex')}`,
      Image: img.image,
      Entrypoint: ['/bin/sh', '-c'],
      Cmd: [seaweedfsBootstrapScript()],
      Labels: LABELS,
      User: `${SEAWEEDFS_UID}:${SEAWEEDFS_UID}`,
      Env: [
        `${SEAWEEDFS_BOOTSTRAP_ENV.endpoint}=http://seaweedfs:${SEAWEEDFS_PORTS.s3}`,
        `${SEAWEEDFS_BOOTSTRAP_ENV.bucket}=${APP_BUCKET}`,
        `${SEAWEEDFS_BOOTSTRAP_ENV.region}=${SEAWEEDFS_REGION}`,
        `${SEAWEEDFS_BOOTSTRAP_ENV.accessKey}=${admin.accessKey}`,
        `${SEAWEEDFS_BOOTSTRAP_ENV.secretKey}_FILE=${secretFile}`,
      ],
      HostConfig: { NetworkMode: network, CapDrop: ['ALL'] },
    });
    await c.putArchive(await oneFileTar(secretFile, admin.secretKey, SECRET_MODE, SEAWEEDFS_UID), { path: '/' });
    await c.start();
    const { StatusCode } = (await c.wait()) as { StatusCode: number };
    const out = await logsOf(c);
    const secretLeft = await readFileIn(c, secretFile);
    const shown = JSON.stringify((await c.inspect()).Config);
    assert.ok(!shown.includes(admin.secretKey), 'the bootstrap container shows the admin secret');
    await c.remove({ force: true });
    return { code: StatusCode, out, secretLeft };
  }

  before(async function () {
    this.timeout(60 * 60 * 1000); // a cold run compiles weed: many minutes on two shared cores
    await requireLive(this);
    // weed is built here from its Go module: without Go there is nothing to test (a failure in CI).
    if (!IN_CI && spawnSync('go', ['version']).status !== 0) {
      console.log('      skipping: no `go` on PATH to build SeaweedFS from its Go module');
      this.skip();
    }
    img = await ensureSeaweedfsImage((l) => console.log(`      ${l}`));
    // Internal: the server cannot reach anything outside this network, telemetry or otherwise.
    await docker.createNetwork({ Name: network, Internal: true, Labels: LABELS });
    await docker.createVolume({ Name: volume, Labels: LABELS });
    gateway = await startGateway();
  });

  after(async function () {
    this.timeout(120000);
    const cs = await docker.listContainers({ all: true, filters: { label: [`com.imstack.stack=${PREFIX}`] } });
    await Promise.all(cs.map((c) => docker.getContainer(c.Id).remove({ force: true, v: true })));
    try { await docker.getNetwork(network).remove(); } catch { /* never created */ }
    try { await docker.getVolume(volume).remove(); } catch { /* never created */ }
  });

  it('the image keeps the official Dockerfile: entrypoint script, default command, ports, /data, seaweed user', async function () {
    const official = officialImageConfig(img.source);
    const cfg = (await docker.getImage(img.image).inspect()).Config;
    assert.deepStrictEqual(cfg.Entrypoint, official.entrypoint);
    assert.deepStrictEqual(cfg.Cmd, official.cmd);
    assert.deepStrictEqual(Object.keys(cfg.ExposedPorts ?? {}).sort(), official.ports);
    assert.deepStrictEqual(Object.keys(cfg.Volumes ?? {}), official.volumes);
    assert.strictEqual(cfg.WorkingDir, official.workdir);
    assert.strictEqual(img.image, `imstack-sub/seaweedfs:${img.release}`);
    assert.strictEqual(img.officialTag, `chrislusf/seaweedfs:${img.release}`);
    // Upstream's entrypoint and filer.toml run unchanged.
    for (const [inImage, upstream] of [['/entrypoint.sh', 'entrypoint.sh'], ['/etc/seaweedfs/filer.toml', 'filer.toml']]) {
      const r = await execOut(gateway, ['cat', inImage]);
      assert.strictEqual(r.code, 0, r.out);
      assert.strictEqual(r.out, fs.readFileSync(path.join(img.source, 'docker', upstream), 'utf8'), `${inImage} differs from upstream docker/${upstream}`);
    }
    const rest = (await execOut(gateway, ['sh', '-c', 'id seaweed; weed version'])).out;
    const [, uid, group, user] = official.user;
    assert.match(rest, new RegExp(`^uid=${uid}\\(${user}\\) gid=\\d+\\(${group}\\)`, 'm'));
    assert.match(rest, new RegExp(`^version 30GB ${img.release.replace('.', '\\.')} ${img.version.slice(-12)} linux amd64$`, 'm'));
  });

  it('started as root, the entrypoint chowns /data and drops to seaweed; the healthcheck fails while a component is missing', async function () {
    // The `master` branch alone: master healthy, no volume server, so the healthcheck must fail.
    const c = await docker.createContainer({
      name: `${PREFIX}-master`, Image: img.image, Cmd: ['master', '-telemetry=false'], Labels: LABELS,
      HostConfig: { NetworkMode: network, Mounts: [{ Type: 'volume', Source: `${PREFIX}-master`, Target: '/data' }] },
    });
    try {
      await c.start();
      const r = await until('master answers /cluster/healthz', async () => {
        const x = await execOut(c, ['curl', '-fsS', '-o', '/dev/null', `http://127.0.0.1:${SEAWEEDFS_LOOPBACK_PORTS.master}/cluster/healthz`]);
        if (x.code !== 0) throw new Error(x.out);
        return x;
      });
      assert.strictEqual(r.code, 0);
      const hc = await healthcheck(c);
      assert.notStrictEqual(hc.code, 0, 'healthcheck passed without a volume server, filer or S3 gateway');
      const who = await execOut(c, ['sh', '-c', 'grep ^Uid /proc/1/status; stat -c %U /data; cat /proc/1/cmdline | tr "\\0" " "']);
      assert.match(who.out, /^Uid:\s+1000\s/m, 'weed must not run as root');
      assert.match(who.out, /^seaweed$/m);
      // The entrypoint's master branch added its defaults before the caller's flag.
      assert.match(who.out, /weed -logtostderr=true master -mdir=\/data -volumeSizeLimitMB=1024 -telemetry=false/);
    } finally {
      await c.remove({ force: true, v: true });
      await docker.getVolume(`${PREFIX}-master`).remove().catch(() => undefined);
    }
  });

  it('the bootstrap one-shot creates the app bucket as admin and is idempotent', async function () {
    const first = await bootstrap();
    assert.strictEqual(first.code, 0, first.out);
    assert.match(first.out, new RegExp(`bucket ${APP_BUCKET} created`));
    const again = await bootstrap();
    assert.strictEqual(again.code, 0, again.out);
    assert.match(again.out, new RegExp(`bucket ${APP_BUCKET} exists`));
    for (const run of [first, again]) {
      assert.ok(!run.out.includes(admin.secretKey), 'the bootstrap printed the admin secret');
      assert.strictEqual(run.secretLeft, '', 'the exited one-shot still holds the secret file');
    }
    await s3(ip, admin).makeBucket(OTHER_BUCKET, SEAWEEDFS_REGION);
    await s3(ip, admin).putObject(OTHER_BUCKET, 'secret.txt', Buffer.from('admin only'));
  });

  it('app identity: put (single and multipart), get, stat, list, delete and presigned GET/PUT in its bucket', async function () {
    const c = s3(ip, app);
    const body = crypto.randomBytes(3 * 1024 * 1024 + 17);
    await c.putObject(APP_BUCKET, 'u/one.bin', body, body.length, { 'Content-Type': 'application/octet-stream', 'X-Amz-Meta-Origin': 'test' });
    const st = await c.statObject(APP_BUCKET, 'u/one.bin');
    assert.strictEqual(st.size, body.length);
    assert.strictEqual(st.metaData.origin, 'test');
    const chunks: Buffer[] = [];
    for await (const ch of await c.getObject(APP_BUCKET, 'u/one.bin')) chunks.push(ch as Buffer);
    assert.ok(Buffer.concat(chunks).equals(body), 'downloaded bytes differ');
    await c.putObject(APP_BUCKET, 'u/two.txt', Buffer.from('two'));
    assert.deepStrictEqual(await listKeys(c, APP_BUCKET), ['u/one.bin', 'u/two.txt']);

    const getUrl = await c.presignedGetObject(APP_BUCKET, 'u/two.txt', 60);
    const got = await fetch(getUrl);
    assert.strictEqual(got.status, 200);
    assert.strictEqual(await got.text(), 'two');
    const putUrl = await c.presignedPutObject(APP_BUCKET, 'u/three.txt', 60);
    assert.strictEqual((await fetch(putUrl, { method: 'PUT', body: 'three' })).status, 200);
    assert.strictEqual((await c.statObject(APP_BUCKET, 'u/three.txt')).size, 5);

    // Multipart (5 MiB parts): create, upload parts and complete are Write in the bucket too.
    const multipart = new Minio.Client({ endPoint: ip, port: SEAWEEDFS_PORTS.s3, useSSL: false, pathStyle: true, region: SEAWEEDFS_REGION, partSize: 5 * 1024 * 1024, ...app });
    const big = crypto.randomBytes(12 * 1024 * 1024);
    const { Readable } = await import('stream');
    await multipart.putObject(APP_BUCKET, 'u/multi.bin', Readable.from([big]), big.length);
    const multiStat = await c.statObject(APP_BUCKET, 'u/multi.bin');
    assert.strictEqual(multiStat.size, big.length);
    assert.match(multiStat.etag, /-\d+$/, `not stored through a multipart upload (ETag ${multiStat.etag})`);
    await c.removeObject(APP_BUCKET, 'u/multi.bin');

    await c.removeObject(APP_BUCKET, 'u/two.txt');
    await c.removeObjects(APP_BUCKET, ['u/three.txt']);
    assert.deepStrictEqual(await listKeys(c, APP_BUCKET), ['u/one.bin']);
  });

  it('app identity is refused on another bucket and on admin operations, and sees no other bucket', async function () {
    const c = s3(ip, app);
    await assert.rejects(c.getObject(OTHER_BUCKET, 'secret.txt'), s3Error('AccessDenied'));
    await assert.rejects(c.putObject(OTHER_BUCKET, 'x.txt', Buffer.from('x')), s3Error('AccessDenied'));
    await assert.rejects(listKeys(c, OTHER_BUCKET), s3Error('AccessDenied'));
    await assert.rejects(c.removeObject(OTHER_BUCKET, 'secret.txt'), s3Error('AccessDenied'));
    await assert.rejects(c.makeBucket('app-made-bucket', SEAWEEDFS_REGION), s3Error('AccessDenied'));
    await assert.rejects(c.removeBucket(OTHER_BUCKET), s3Error('AccessDenied'));
    await assert.rejects(c.removeBucket(APP_BUCKET), s3Error('AccessDenied'));
    await assert.rejects(c.setBucketPolicy(APP_BUCKET, JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: '*', Action: ['s3:GetObject'], Resource: [`arn:aws:s3:::${APP_BUCKET}/*`] }],
    })), s3Error('AccessDenied'));
    // SeaweedFS answers ListBuckets with the buckets the caller may list (AWS and MinIO would
    // refuse without s3:ListAllMyBuckets): the other bucket stays invisible.
    assert.deepStrictEqual((await c.listBuckets()).map((b) => b.name), [APP_BUCKET]);
    // Nothing leaked: the admin still sees exactly its objects and buckets.
    assert.deepStrictEqual(await listKeys(s3(ip, admin), OTHER_BUCKET), ['secret.txt']);
    assert.deepStrictEqual((await s3(ip, admin).listBuckets()).map((b) => b.name).sort(), [OTHER_BUCKET, APP_BUCKET].sort());
  });

  it('signatures are checked: a wrong secret key, an unknown access key and a tampered presigned URL are refused', async function () {
    await assert.rejects(s3(ip, { accessKey: app.accessKey, secretKey: `${app.secretKey}x` }).putObject(APP_BUCKET, 'w.txt', Buffer.from('w')), s3Error('SignatureDoesNotMatch'));
    await assert.rejects(listKeys(s3(ip, { accessKey: app.accessKey, secretKey: `${app.secretKey}x` }), APP_BUCKET), s3Error('SignatureDoesNotMatch'));
    await assert.rejects(listKeys(s3(ip, { accessKey: 'nobody-1234', secretKey: app.secretKey }), APP_BUCKET), s3Error('InvalidAccessKeyId'));
    const url = new URL(await s3(ip, app).presignedGetObject(APP_BUCKET, 'u/one.bin', 60));
    const sig = url.searchParams.get('X-Amz-Signature')!;
    url.searchParams.set('X-Amz-Signature', `${sig[0] === '0' ? '1' : '0'}${sig.slice(1)}`);
    const res = await fetch(url);
    assert.strictEqual(res.status, 403);
    assert.match(await res.text(), /<Code>SignatureDoesNotMatch<\/Code>/);
    assert.ok(!(await s3(ip, app).statObject(APP_BUCKET, 'w.txt').then(() => true, () => false)), 'an upload with a wrong secret was stored');
  });

  it('an expired presigned URL is refused', async function () {
    // Signed two minutes ago for sixty seconds: expired now, without waiting for the clock.
    const signedAt = new Date(Date.now() - 120000);
    const url = await s3(ip, app).presignedUrl('GET', APP_BUCKET, 'u/one.bin', 60, {}, signedAt);
    const res = await fetch(url);
    assert.strictEqual(res.status, 403);
    assert.match(await res.text(), /<Code>AccessDenied<\/Code>[\s\S]*expired/i);
    const fresh = await s3(ip, app).presignedUrl('GET', APP_BUCKET, 'u/one.bin', 60, {}, new Date());
    const ok = await fetch(fresh);
    assert.strictEqual(ok.status, 200, 'the same URL signed now must work');
    await ok.arrayBuffer();
  });

  it('unsigned requests are refused', async function () {
    const base = `http://${ip}:${SEAWEEDFS_PORTS.s3}`;
    for (const [method, p] of [['GET', `/${APP_BUCKET}/u/one.bin`], ['PUT', `/${APP_BUCKET}/anon.txt`], ['GET', `/${APP_BUCKET}?list-type=2`], ['GET', '/'], ['DELETE', `/${APP_BUCKET}/u/one.bin`], ['PUT', '/anon-bucket']] as const) {
      const res = await fetch(`${base}${p}`, { method, body: method === 'PUT' ? 'x' : undefined });
      assert.strictEqual(res.status, 403, `${method} ${p} answered ${res.status}`);
      assert.match(await res.text(), /<Code>AccessDenied<\/Code>/, `${method} ${p}`);
    }
    assert.deepStrictEqual(await listKeys(s3(ip, app), APP_BUCKET), ['u/one.bin'], 'an anonymous request changed the bucket');
  });

  it('only the S3 and metrics ports are reachable from the network; metrics answer Prometheus text', async function () {
    assert.ok(await tcpConnects(ip, SEAWEEDFS_PORTS.s3), 'S3 port not reachable');
    for (const [name, port] of Object.entries(SEAWEEDFS_LOOPBACK_PORTS)) {
      assert.strictEqual(await tcpConnects(ip, port), false, `${name} port ${port} is reachable from the network`);
    }
    const res = await fetch(`http://${ip}:${SEAWEEDFS_PORTS.metrics}/metrics`);
    assert.strictEqual(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    assert.match(text, /^# TYPE SeaweedFS_\w+ (counter|gauge|histogram)$/m);
    assert.match(text, /^SeaweedFS_s3_request_total\{/m, 'the S3 requests made above are not counted');
  });

  it('keys rotate in place: a new identities file and SIGHUP swap the admin secret without a restart', async function () {
    const old = admin;
    admin = { accessKey: old.accessKey, secretKey: newSecret() };
    const startedAt = (await gateway.inspect()).State.StartedAt;
    await gateway.putArchive(await oneFileTar(SEAWEEDFS_S3_CONFIG_PATH, s3Config(), SECRET_MODE, SEAWEEDFS_UID), { path: '/' });
    await gateway.kill({ signal: 'SIGHUP' });
    await until('the new admin secret is accepted', async () => { await s3(ip, admin).listBuckets(); }, 20000);
    await assert.rejects(s3(ip, old).listBuckets(), s3Error('SignatureDoesNotMatch'));
    assert.strictEqual((await gateway.inspect()).State.StartedAt, startedAt, 'the gateway restarted');
    assert.strictEqual((await s3(ip, app).statObject(APP_BUCKET, 'u/one.bin')).size, 3 * 1024 * 1024 + 17, 'the app identity lost access');
  });

  it('stops cleanly; keys rotate by replacement: a new app secret on the same volume takes over, the old one is refused, data stays', async function () {
    const old = app;
    app = { accessKey: old.accessKey, secretKey: newSecret() };
    // A slow stop: right after writes (the filer's metadata-log flush runs to its bound), with a
    // download still open (its body left unread). The grace period must still end in weed's own
    // exit (0), not SIGKILL (137).
    // Larger than the socket buffers, so the server cannot finish sending it.
    await s3(ip, old).putObject(APP_BUCKET, 'u/big.bin', crypto.randomBytes(48 * 1024 * 1024));
    const open = await fetch(await s3(ip, old).presignedGetObject(APP_BUCKET, 'u/big.bin', 60));
    assert.strictEqual(open.status, 200, await open.text());
    const stopStarted = Date.now();
    await gateway.stop();
    const stopped = await gateway.inspect();
    assert.strictEqual(stopped.State.ExitCode, 0, `weed did not exit within ${SEAWEEDFS_STOP_GRACE_SECONDS}s of SIGTERM: ${(await logsOf(gateway)).slice(-1500)}`);
    console.log(`      clean stop with a download open in ${((Date.now() - stopStarted) / 1000).toFixed(1)}s`);
    await open.body?.cancel().catch(() => undefined);
    await gateway.remove();
    gateway = await startGateway();
    await assert.rejects(s3(ip, old).putObject(APP_BUCKET, 'old.txt', Buffer.from('x')), s3Error('SignatureDoesNotMatch'));
    assert.strictEqual((await s3(ip, app).statObject(APP_BUCKET, 'u/one.bin')).size, 3 * 1024 * 1024 + 17);
    const again = await bootstrap();
    assert.strictEqual(again.code, 0, again.out);
    assert.match(again.out, /exists/);
  });

  it('no key is in any container\'s environment or command line', async function () {
    const secrets = [app.secretKey, admin.secretKey];
    const cs = await docker.listContainers({ all: true, filters: { label: [`com.imstack.stack=${PREFIX}`] } });
    assert.ok(cs.length > 0);
    for (const info of cs) {
      const cfg = (await docker.getContainer(info.Id).inspect()).Config;
      const shown = JSON.stringify({ env: cfg.Env, cmd: cfg.Cmd, entrypoint: cfg.Entrypoint });
      for (const secret of secrets) assert.ok(!shown.includes(secret), `${info.Names[0]} shows a secret key`);
      for (const v of SECRET_VARIABLES) assert.ok(!(cfg.Env ?? []).some((e) => e.startsWith(`${v}=`)), `${info.Names[0]} has ${v} in its environment`);
    }
    const mode = await execOut(gateway, ['stat', '-c', '%a %u', SEAWEEDFS_S3_CONFIG_PATH]);
    assert.strictEqual(mode.out.trim(), `${SECRET_FILE_MODE.replace(/^0/, '')} ${SEAWEEDFS_UID}`);
  });

  it('the identities renderer refuses bucket names that would widen the grant, and empty or shared keys', function () {
    const keys = { app: newKeys('a'), admin: newKeys('b') };
    for (const bad of ['*', 'up*', 'a?c', 'UPPER', 'ab', 'a..b', '10.0.0.1', '-lead', `${'x'.repeat(64)}`]) {
      assert.throws(() => seaweedfsS3Config(bad, keys), new RegExp(`bucket name "${bad.replace(/[.*?]/g, '\\$&')}"`));
    }
    assert.strictEqual(seaweedfsBucketNameProblem('my-app.uploads'), undefined);
    assert.throws(() => seaweedfsS3Config('UP', { app: { accessKey: '', secretKey: 'x' }, admin: { accessKey: 'k', secretKey: '' } }),
      /bucket name "UP".*; the app access key is empty; the admin secret key is empty$/);
    const shared = { app: { accessKey: 'same', secretKey: 'one-secret' }, admin: { accessKey: 'same', secretKey: 'two-secret' } };
    assert.throws(() => seaweedfsS3Config(APP_BUCKET, shared), (e: Error) => /the app and admin access keys are the same/.test(e.message) && !/one-secret|two-secret/.test(e.message));
    const cfg = seaweedfsS3Config(APP_BUCKET, keys);
    assert.deepStrictEqual(cfg.identities.map((i) => i.name), [SEAWEEDFS_IDENTITY.app, SEAWEEDFS_IDENTITY.admin]);
    assert.deepStrictEqual(cfg.identities[0].actions, [`Read:${APP_BUCKET}`, `Write:${APP_BUCKET}`, `List:${APP_BUCKET}`]);
  });
});
