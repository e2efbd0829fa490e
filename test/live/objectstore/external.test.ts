// objectStore.engine: external (issue 10) on a throwaway dev stack ("extlive"), with a second
// real SeaweedFS server as the operator's S3 service: it runs on a network this test creates and
// publishes its S3 port on that network's gateway address, so the stack reaches it the way it
// reaches any S3 service outside it, by address, path-style, with a bucket-scoped identity given
// as a secret. No object-store container is deployed; the backend, the backup job and `imctl
// health` use the external store; backup and restore work unchanged; a restore into a store
// whose bucket is missing is refused before anything is touched.
import * as assert from 'assert';
import { createHash, randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import Docker from 'dockerode';
import * as Minio from 'minio';
import { LiveStack, runStack } from '../engine/run-stack';
import { extraCaBuildArgs, freeDevPorts, freePort, liveStackOverrides, requireLive } from '../support';
import { ROOT, scratchProject, eventually } from '../imctl/support';
import { fileDownloader, jobEnv, stackApi, stackCli, stackContainer } from '../backup/support';
import { envOf } from '../e2e/containerFiles';
import { startSeaweedfsGateway } from './gateway';
import { ensureSeaweedfsImage } from '../images/seaweedfs/image';
import { DockerodeExec } from '../../../automation/jobClient/dockerodeExec';
import { fingerprintDb, fingerprintObjects } from '../../unit/backup/support/fixture';
import type { PgConnection } from '../../../automation/backup/postgres';
import type { S3Target } from '../../../automation/backup/objects';
import { seaweedfsS3Config } from '../../../components/objectStore/seaweedfsIdentities';
import { SEAWEEDFS_PORTS, SEAWEEDFS_REGION } from '../../../components/objectStore/seaweedfsRuntime';

const STACK = 'extlive';
const PASSWORD = 'external-password-1';
const BUCKET = 'ext-uploads';
const NETWORK = `imstack-${STACK}-operator-s3`;
const LABELS = { 'com.imstack.live': '1', 'com.imstack.stack': `${STACK}-operator` };
const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const keys = (who: string) => ({ accessKey: `${who}-${randomBytes(6).toString('hex')}`, secretKey: randomBytes(24).toString('base64url') });

describe('objectStore.engine external: a second real SeaweedFS server as the operator\'s S3 service', function () {
  let live: LiveStack | undefined;
  let http = 0;
  const docker = new Docker();
  const app = keys('stack');
  const admin = keys('operator');
  let admin3: Minio.Client;
  let external: S3Target;
  let pg: PgConnection;
  let endpoint = '';
  let hostPort = 0;
  const durations: Record<string, number> = {};
  const cli = stackCli(STACK, () => [app.secretKey, admin.secretKey]);
  const api = stackApi(() => http);
  const register = (username: string) => api<{ user: { id: string }; accessToken: string }>('POST', '/api/auth/register', undefined, { username, password: PASSWORD });
  const byService = stackContainer(docker, STACK);
  const download = fileDownloader(() => http);
  /** The backups volume's folder on the host. */
  const backupsDir = async () => (await docker.getVolume(`imstack-${STACK}-backups`).inspect()).Mountpoint;
  /** A restore is settled once its journal is gone: the deferred safety archive is written by then. */
  const restoreSettled = async () => {
    const dir = await backupsDir();
    return ![dir, path.join(dir, '.work')].some((d) => fs.existsSync(path.join(d, 'restore-journal.json')));
  };
  /** The archives in the stack's backups volume, with their sizes. */
  const archives = async () => {
    const dir = await backupsDir();
    return fs.readdirSync(dir).filter((f) => f.startsWith('backup_')).sort().map((f) => `${f} ${fs.statSync(path.join(dir, f)).size}`);
  };

  let alice: { user: { id: string }; accessToken: string };
  let conv = '';
  const uploaded = new Map<string, Buffer>();
  let archive = '';

  before(async function () {
    await requireLive(this);
    const img = await ensureSeaweedfsImage((l) => console.log(`      ${l}`));
    await docker.createNetwork({ Name: NETWORK, Labels: LABELS });
    const gatewayIp = (await docker.getNetwork(NETWORK).inspect()).IPAM?.Config?.[0]?.Gateway;
    assert.ok(gatewayIp, `network ${NETWORK} has no gateway address`);
    hostPort = await freePort();
    endpoint = gatewayIp;
    const gw = await startSeaweedfsGateway(docker, {
      name: `imstack-${STACK}-operator-s3`, image: img.image, labels: LABELS, network: NETWORK, alias: 'operator-s3',
      s3Config: JSON.stringify(seaweedfsS3Config(BUCKET, { app, admin })),
      publish: { hostIp: gatewayIp, hostPort },
    });
    admin3 = new Minio.Client({ endPoint: gw.ip, port: SEAWEEDFS_PORTS.s3, useSSL: false, pathStyle: true, region: SEAWEEDFS_REGION, ...admin });
    await admin3.makeBucket(BUCKET, SEAWEEDFS_REGION);
    external = { endPoint: gw.ip, port: SEAWEEDFS_PORTS.s3, useSSL: false, bucket: BUCKET, region: SEAWEEDFS_REGION, ...app };

    const ports = await freeDevPorts();
    http = ports.http;
    const t = Date.now();
    live = await runStack({
      stack: STACK,
      projectDir: scratchProject(STACK),
      program: path.join(ROOT, 'index.ts'),
      configOverrides: {
        ...liveStackOverrides(), ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [`ports.${k}`, v])), publishServices: false,
        'objectStore.engine': 'external',
        'objectStore.external.endpoint': endpoint, 'objectStore.external.port': hostPort, 'objectStore.external.useSsl': false,
        'objectStore.external.region': SEAWEEDFS_REGION, 'objectStore.external.bucket': BUCKET, 'objectStore.external.pathStyle': true,
        'objectStore.external.accessKey': app.accessKey, 'objectStore.external.secretKey': app.secretKey,
        ...extraCaBuildArgs(),
      },
      secretOverrides: ['objectStore.external.secretKey'],
      log: (l) => console.log(`      [${STACK}] ${l}`),
      timeoutMs: 10 * 60_000,
    });
    durations.up = Date.now() - t;
    if (!live.ok) throw new Error(`stack ${STACK} did not come up:\n${live.errors.join('\n')}`);
    await eventually(async () => (await fetch(`http://127.0.0.1:${http}/health`).catch(() => undefined))?.status === 200, 120000, '/health through nginx');
    const job = await byService('backup');
    const env = await jobEnv(docker, new DockerodeExec(docker), job.Id);
    pg = { host: (await byService('postgres')).NetworkSettings.Networks[`imstack-${STACK}-data`].IPAddress, port: 5432, user: env.PGUSER ?? 'postgres', password: env.PGPASSWORD, database: env.PGDATABASE ?? 'imstack' };
    alice = await register('alice');
    const bob = await register('bob');
    conv = (await api<{ id: string }>('POST', '/api/conversations', alice.accessToken, { type: 'direct', memberIds: [bob.user.id] })).id;
  });

  after(async function () {
    console.log(`      durations (s): ${Object.entries(durations).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)}`).join(', ')}`);
    if (live && process.env.IMSTACK_LIVE_KEEP !== '1') {
      const r = await live.teardown({ purge: true });
      console.log(`      teardown removed ${r.containers.length} containers, ${r.networks.length} networks, ${r.volumes.length} volumes`);
    }
    const cs = await docker.listContainers({ all: true, filters: { label: [`com.imstack.stack=${STACK}-operator`] } });
    await Promise.all(cs.map((c) => docker.getContainer(c.Id).remove({ force: true, v: true })));
    try { await docker.getNetwork(NETWORK).remove(); } catch { /* never created */ }
  });

  it('deploys no object-store container; the backend and the backup job are pointed at the external store; imctl health checks its bucket', async function () {
    const services = (await docker.listContainers({ all: true, filters: { label: [`com.imstack.stack=${STACK}`] } })).map((c) => c.Labels['com.imstack.service']);
    for (const s of ['seaweedfs', 'seaweedfs-init', 'minio', 'minio-init']) assert.ok(!services.includes(s), `${s} runs on the external engine: ${services.join(', ')}`);
    for (const service of ['backend', 'backup']) {
      const env = envOf(await byService(service));
      assert.strictEqual(env.get('S3_ENDPOINT'), endpoint, `${service} S3_ENDPOINT`);
      assert.strictEqual(env.get('S3_PORT'), String(hostPort), `${service} S3_PORT`);
      assert.strictEqual(env.get('S3_BUCKET'), BUCKET, `${service} S3_BUCKET`);
      assert.strictEqual(env.get('S3_ACCESS_KEY'), app.accessKey, `${service} S3_ACCESS_KEY`);
      assert.ok(env.get('S3_SECRET_KEY_FILE'), `${service} reads the secret key from a file`);
      const info = JSON.stringify((await byService(service)).Config);
      assert.ok(!info.includes(app.secretKey), `${service}'s configuration shows the external secret key`);
    }
    // The secret key given as a secret stays one: no plain output carries it.
    for (const [name, o] of Object.entries(live!.outputs)) {
      if (!o.secret) assert.ok(!String(JSON.stringify(o.value ?? null)).includes(app.secretKey), `plain output ${name} holds the secret key`);
    }
    const health = await cli('health', '--timeout', '15s');
    assert.strictEqual(health.code, 0, health.stdout + health.stderr);
    assert.match(health.stdout, /bucket/);
  });

  it('uploads land in the external bucket; imctl backup, every object wiped, imctl restore --force: sha256-equal', async function () {
    for (const [name, type, content] of [
      ['a.txt', 'text/plain', Buffer.from('external a\n'.repeat(300))],
      ['b.pdf', 'application/pdf', Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(150_000, 3)])],
    ] as Array<[string, string, Buffer]>) {
      const form = new FormData();
      form.append('file', new Blob([content], { type }), name);
      const meta = await api<{ id: string }>('POST', `/api/conversations/${conv}/files`, alice.accessToken, form);
      uploaded.set(meta.id, content);
    }
    const atBackup = await fingerprintObjects(external);
    assert.strictEqual(Object.keys(atBackup).length, uploaded.size, `objects: ${Object.keys(atBackup).join(', ')}`);
    let t = Date.now();
    const b = await cli('backup');
    durations.backup = Date.now() - t;
    assert.strictEqual(b.code, 0, b.stderr);
    archive = new RegExp(`backup (backup_${STACK}_\\d{8}_\\d{6}\\.tar\\.gz\\.enc)`).exec(b.stdout)?.[1] ?? '';
    assert.ok(archive, b.stdout);
    for (const key of Object.keys(atBackup)) await admin3.removeObject(BUCKET, key);
    assert.deepStrictEqual(await fingerprintObjects(external), {});
    t = Date.now();
    const r = await cli('restore', archive, '--force');
    durations.restore = Date.now() - t;
    assert.strictEqual(r.code, 0, r.stderr);
    assert.deepStrictEqual(await fingerprintObjects(external), atBackup);
    await eventually(async () => (await fetch(`http://127.0.0.1:${http}/health`).catch(() => undefined))?.status === 200, 120000, '/health after the restore');
    for (const [id, content] of uploaded) {
      const got = await download(alice.accessToken, id);
      assert.strictEqual(got.status, 200);
      assert.strictEqual(sha256(got.body), sha256(content));
    }
  });

  it('refuses a restore into the external store while its bucket is missing, before touching anything; restores once it is back', async function () {
    assert.ok(archive, 'no archive');
    await eventually(restoreSettled, 120000, 'the previous restore\'s safety archive written');
    await api('POST', `/api/conversations/${conv}/messages`, alice.accessToken, { body: 'written after the backup' });
    const tables = await fingerprintDb(pg);
    const listed = await archives();
    const objects = await fingerprintObjects(external);
    // The operator's bucket goes away (emptied first: S3 deletes only empty buckets).
    for (const key of Object.keys(objects)) await admin3.removeObject(BUCKET, key);
    await admin3.removeBucket(BUCKET);

    const r = await cli('restore', archive, '--force');
    assert.notStrictEqual(r.code, 0, `a restore into a missing bucket succeeded:\n${r.stdout}`);
    assert.match(r.stderr + r.stdout, new RegExp(`bucket[^\\n]*"?${BUCKET}"?`), r.stderr);
    assert.match(r.stderr + r.stdout, /nothing (was|has been) changed|before (touching|changing) anything/i, r.stderr);
    assert.strictEqual(await admin3.bucketExists(BUCKET), false, 'the refused restore created the bucket');
    assert.deepStrictEqual(await fingerprintDb(pg), tables, 'the refused restore changed the database');
    assert.deepStrictEqual(await archives(), listed, 'the refused restore changed the backups volume');
    const page = await fetch(`http://127.0.0.1:${http}/`);
    await page.arrayBuffer();
    assert.strictEqual(page.status, 200, 'the refused restore left the maintenance page up');

    await admin3.makeBucket(BUCKET, SEAWEEDFS_REGION);
    const again = await cli('restore', archive, '--force');
    assert.strictEqual(again.code, 0, again.stderr);
    assert.deepStrictEqual(await fingerprintObjects(external), objects);
    alice = await api('POST', '/api/auth/login', undefined, { username: 'alice', password: PASSWORD });
    for (const [id, content] of uploaded) assert.strictEqual(sha256((await download(alice.accessToken, id)).body), sha256(content));
  });
});
