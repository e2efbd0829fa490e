// The migration path off MinIO (issue 10; docs/operations.md "Migrating from MinIO"), on one
// throwaway dev stack ("migrate"): the stack runs the minio engine (its s3rver-based substitute,
// the only live stack that still does), users upload files and the operator's own objects carry
// metadata; `imctl backup`; `imctl up` on the seaweedfs engine (the real SeaweedFS server);
// `imctl restore --force`; every object's sha256, size, type and metadata equal, the files served
// byte-equal, the database equal. Then the documented rollback: the minio engine again, whose
// retained volume still serves every file. Also the minio engine's own identities: the backup
// job's bucket-scoped user and a minio-init that keeps no root credential.
import * as assert from 'assert';
import { createHash } from 'crypto';
import * as path from 'path';
import Docker from 'dockerode';
import { LiveStack, runStack } from '../engine/run-stack';
import { extraCaBuildArgs, freeDevPorts, liveStackOverrides, minioEngineOverrides, requireLive } from '../support';
import { ROOT, scratchProject, eventually } from '../imctl/support';
import { fileDownloader, jobEnv, stackApi, stackCli, stackContainer } from '../backup/support';
import { containerFile, containerS3Credentials, envOf, execIn } from '../e2e/containerFiles';
import { DockerodeExec } from '../../../automation/jobClient/dockerodeExec';
import { fingerprintDb } from '../../unit/backup/support/fixture';
import type { PgConnection } from '../../../automation/backup/postgres';
import type { S3Target } from '../../../automation/backup/objects';
import { listObjects, s3Client } from '../../../automation/backup/objects';

const STACK = 'migrate';
const PASSWORD = 'migrate-password-1';
const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** What must survive the move, per object: its bytes, size, type and every piece of metadata. */
interface ObjectRecord { sha256: string; size: number; metaData: Record<string, string> }

async function objectRecords(s3: S3Target): Promise<Record<string, ObjectRecord>> {
  const client = s3Client(s3);
  const out: Record<string, ObjectRecord> = {};
  for await (const o of listObjects(client, s3.bucket)) {
    const h = createHash('sha256');
    for await (const chunk of await client.getObject(s3.bucket, o.key)) h.update(chunk as Buffer);
    const stat = await client.statObject(s3.bucket, o.key);
    out[o.key] = { sha256: h.digest('hex'), size: stat.size, metaData: stat.metaData as Record<string, string> };
  }
  return out;
}

describe('migrating from MinIO to SeaweedFS through a backup (real SeaweedFS server, minio substitute)', function () {
  let live: LiveStack | undefined;
  let http = 0;
  let portOverrides: Record<string, number> = {};
  let secrets: string[] = [];
  const docker = new Docker();
  const durations: Record<string, number> = {};
  const cli = stackCli(STACK, () => secrets);
  const api = stackApi(() => http);
  const register = (username: string) => api<{ user: { id: string }; accessToken: string }>('POST', '/api/auth/register', undefined, { username, password: PASSWORD });
  const byService = stackContainer(docker, STACK);
  const services = async () => (await docker.listContainers({ all: true, filters: { label: [`com.imstack.stack=${STACK}`] } })).map((c) => c.Labels['com.imstack.service']);
  const download = fileDownloader(() => http);

  /** The program on `engine` (same stack, same state): what `imctl up` does after the config change. */
  async function up(engine: 'minio' | 'seaweedfs'): Promise<void> {
    const t = Date.now();
    live = await runStack({
      stack: STACK,
      projectDir: scratchProject(STACK),
      program: path.join(ROOT, 'index.ts'),
      // Only nginx is published: the test reaches postgres and the object store by container IP.
      configOverrides: { ...(engine === 'minio' ? minioEngineOverrides() : liveStackOverrides()), ...portOverrides, publishServices: false, ...extraCaBuildArgs() },
      log: (l) => console.log(`      [${STACK} ${engine}] ${l}`),
      timeoutMs: 10 * 60_000,
    });
    durations[`up ${engine}`] = (durations[`up ${engine}`] ?? 0) + Date.now() - t;
    if (!live.ok) throw new Error(`stack ${STACK} did not come up on ${engine}:\n${live.errors.join('\n')}`);
    await eventually(async () => (await fetch(`http://127.0.0.1:${http}/health`).catch(() => undefined))?.status === 200, 120000, `/health through nginx on ${engine}`);
  }

  /** The backup job's view of the store and the database: endpoints by container IP, its own keys. */
  async function targets(): Promise<{ s3: S3Target; pg: PgConnection; engine: string }> {
    const job = await byService('backup');
    const env = await jobEnv(docker, new DockerodeExec(docker), job.Id);
    const ip = async (service: string) => (await byService(service)).NetworkSettings.Networks[`imstack-${STACK}-data`].IPAddress;
    secrets = [...new Set([...secrets, env.PGPASSWORD, env.S3_SECRET_KEY, env.BACKUP_KEY].filter((s): s is string => Boolean(s && s.length >= 8)))];
    return {
      engine: env.S3_ENDPOINT,
      s3: { endPoint: await ip(env.S3_ENDPOINT), port: Number(env.S3_PORT), useSSL: false, accessKey: env.S3_ACCESS_KEY, secretKey: env.S3_SECRET_KEY, bucket: env.S3_BUCKET, region: env.S3_REGION ?? 'us-east-1' },
      pg: { host: await ip('postgres'), port: 5432, user: env.PGUSER ?? 'postgres', password: env.PGPASSWORD, database: env.PGDATABASE ?? 'imstack' },
    };
  }

  let alice: { user: { id: string }; accessToken: string };
  const uploaded = new Map<string, Buffer>();
  let atBackup: { objects: Record<string, ObjectRecord>; tables: Record<string, string> } | undefined;
  let archive = '';

  before(async function () {
    await requireLive(this);
    const ports = await freeDevPorts();
    http = ports.http;
    portOverrides = Object.fromEntries(Object.entries(ports).map(([k, v]) => [`ports.${k}`, v]));
    await up('minio');
  });

  after(async function () {
    console.log(`      durations (s): ${Object.entries(durations).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)}`).join(', ')}`);
    if (live && process.env.IMSTACK_LIVE_KEEP !== '1') {
      const r = await live.teardown({ purge: true });
      console.log(`      teardown removed ${r.containers.length} containers, ${r.networks.length} networks, ${r.volumes.length} volumes`);
    }
  });

  it('on the minio engine, the backup job has its own bucket-scoped MinIO user and the exited minio-init keeps no root credential', async function () {
    assert.ok((await services()).includes('minio'), 'the stack does not run minio');
    const backup = `imstack-${STACK}-backup`;
    const root = envOf(await docker.getContainer(`imstack-${STACK}-minio`).inspect()).get('MINIO_ROOT_USER_FILE');
    assert.ok(root, 'minio reads its root user from a file');
    const rootUser = (await containerFile(docker, `imstack-${STACK}-minio`, root)).body.trim();
    const job = await containerS3Credentials(docker, backup);
    assert.notStrictEqual(job.accessKey, rootUser, 'the backup job uses the root user');
    const { s3 } = await targets();
    const asBackup = s3Client({ ...s3, accessKey: job.accessKey, secretKey: job.secretKey });
    await asBackup.putObject(job.bucket, 'probe/backup.txt', Buffer.from('b'));
    await asBackup.removeObject(job.bucket, 'probe/backup.txt');
    await assert.rejects(asBackup.makeBucket('migrate-other', 'us-east-1'), (e: Error & { code?: string }) => e.code === 'AccessDenied', 'the backup identity may create other buckets');
    const done = await execIn(docker, backup, ['node', '/opt/imstack-backup/dist/main.js', 'backup']);
    assert.strictEqual(done.code, 0, `backup with the job's identity failed:\n${done.out.slice(-2000)}`);
    const init = await docker.getContainer(`imstack-${STACK}-minio-init`).inspect();
    assert.strictEqual(init.State.ExitCode, 0);
    const initFiles = [...envOf(init)].filter(([k, v]) => k.endsWith('_FILE') && v.startsWith('/run/secrets/'));
    assert.ok(initFiles.length >= 3, `minio-init reads its credentials from files: ${initFiles.map(([k]) => k).join(', ')}`);
    for (const [k, v] of initFiles) {
      assert.strictEqual((await containerFile(docker, `imstack-${STACK}-minio-init`, v)).body, '', `minio-init still holds ${k} after it exited`);
    }
  });

  it('imctl backup on minio: files users uploaded and objects with their own metadata', async function () {
    alice = await register('alice');
    const bob = await register('bob');
    const conv = (await api<{ id: string }>('POST', '/api/conversations', alice.accessToken, { type: 'direct', memberIds: [bob.user.id] })).id;
    for (let i = 0; i < 5; i++) await api('POST', `/api/conversations/${conv}/messages`, alice.accessToken, { body: `before the move ${i}` });
    const files: Array<[string, string, Buffer]> = [
      ['notes.txt', 'text/plain', Buffer.from('moved notes\n'.repeat(400))],
      ['report.pdf', 'application/pdf', Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(200_000, 9)])],
    ];
    for (const [name, type, content] of files) {
      const form = new FormData();
      form.append('file', new Blob([content], { type }), name);
      const meta = await api<{ id: string }>('POST', `/api/conversations/${conv}/files`, alice.accessToken, form);
      uploaded.set(meta.id, content);
    }
    // Objects an operator put there, with metadata the archive must carry across engines.
    const { s3, pg, engine } = await targets();
    assert.strictEqual(engine, 'minio');
    const client = s3Client(s3);
    await client.putObject(s3.bucket, 'ops/readme.md', Buffer.from('# kept across engines\n'), undefined, { 'Content-Type': 'text/markdown', 'X-Amz-Meta-Origin': 'migration-test', 'X-Amz-Meta-Owner': 'ops' });
    // Below the client's multipart threshold: the substitute does not list incomplete uploads.
    await client.putObject(s3.bucket, 'ops/big.bin', Buffer.alloc(3 * 1024 * 1024, 0x5a), undefined, { 'Content-Type': 'application/octet-stream', 'X-Amz-Meta-Size-Class': 'large' });

    const objects = await objectRecords(s3);
    assert.ok(Object.keys(objects).length >= 4, `objects: ${Object.keys(objects).join(', ')}`);
    assert.strictEqual(objects['ops/readme.md'].metaData.origin, 'migration-test', JSON.stringify(objects['ops/readme.md'].metaData));
    atBackup = { objects, tables: await fingerprintDb(pg) };
    const t = Date.now();
    const b = await cli('backup');
    durations.backup = Date.now() - t;
    assert.strictEqual(b.code, 0, b.stderr);
    archive = new RegExp(`backup (backup_${STACK}_\\d{8}_\\d{6}\\.tar\\.gz\\.enc)`).exec(b.stdout)?.[1] ?? '';
    assert.ok(archive, b.stdout);
  });

  it('imctl up on seaweedfs, imctl restore --force: every object sha256-, size- and metadata-equal, the database equal, files served byte-equal', async function () {
    assert.ok(atBackup && archive, 'no backup to migrate');
    await up('seaweedfs');
    const now = await services();
    assert.ok(now.includes('seaweedfs') && !now.includes('minio'), `services after the switch: ${now.join(', ')}`);
    const { s3, pg, engine } = await targets();
    assert.strictEqual(engine, 'seaweedfs', 'the backup job does not talk to seaweedfs after the switch');
    assert.deepStrictEqual(await objectRecords(s3), {}, 'the new store is not empty before the restore');
    // The minio volume is retained (the rollback), not carried over.
    const volumes = ((await docker.listVolumes({ filters: { label: [`com.imstack.stack=${STACK}`] } })).Volumes ?? []).map((v) => v.Name);
    assert.ok(volumes.includes(`imstack-${STACK}-minio`), `volumes: ${volumes.join(', ')}`);

    const t = Date.now();
    const r = await cli('restore', archive, '--force');
    durations.restore = Date.now() - t;
    assert.strictEqual(r.code, 0, r.stderr);
    assert.deepStrictEqual(await objectRecords(s3), atBackup.objects);
    assert.deepStrictEqual(await fingerprintDb(pg), atBackup.tables);
    await eventually(async () => (await fetch(`http://127.0.0.1:${http}/health`).catch(() => undefined))?.status === 200, 120000, '/health after the restore');
    const health = await cli('health', '--timeout', '15s');
    assert.strictEqual(health.code, 0, health.stdout + health.stderr);
    alice = await api('POST', '/api/auth/login', undefined, { username: 'alice', password: PASSWORD });
    for (const [id, content] of uploaded) {
      const got = await download(alice.accessToken, id);
      assert.strictEqual(got.status, 200, `file ${id} after the move`);
      assert.strictEqual(sha256(got.body), sha256(content));
    }
  });

  it('rollback: the minio engine again serves every file from its retained volume', async function () {
    await up('minio');
    const { s3, engine } = await targets();
    assert.strictEqual(engine, 'minio');
    const objects = await objectRecords(s3);
    for (const key of Object.keys(atBackup!.objects)) assert.strictEqual(objects[key]?.sha256, atBackup!.objects[key].sha256, `${key} after the rollback`);
    alice = await api('POST', '/api/auth/login', undefined, { username: 'alice', password: PASSWORD });
    for (const [id, content] of uploaded) {
      const got = await download(alice.accessToken, id);
      assert.strictEqual(got.status, 200);
      assert.strictEqual(sha256(got.body), sha256(content));
    }
  });
});
