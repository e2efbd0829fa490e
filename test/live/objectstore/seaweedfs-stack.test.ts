// The real program's dev config on the seaweedfs engine (issue 10), with the real SeaweedFS
// server (built from its Go module into the local image): every container healthy, `imctl
// health` clean, the backend's file path through nginx (upload, byte-equal download, the
// size and type limits), then `imctl backup`, every object wiped from the bucket, `imctl
// restore --force` and the objects' sha256 equal again. One throwaway stack ("sweedlive"),
// purged afterwards. Files are deleted through DELETE /api/files/:id. The API hands out no
// presigned GETs (docs/api.md says why): files stream through GET /api/files/:id, so that is
// what is tested here; presigned expiry on the real server is in seaweedfs.test.ts.
import * as assert from 'assert';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import Docker from 'dockerode';
import { LiveStack, runStack } from '../engine/run-stack';
import { extraCaBuildArgs, freeDevPorts, liveStackOverrides, requireLive } from '../support';
import { ROOT, scratchProject, eventually } from '../imctl/support';
import { fileDownloader, jobEnv, stackApi, stackCli, stackContainer } from '../backup/support';
import { ensureSeaweedfsImage } from '../images/seaweedfs/image';
import { DockerodeExec } from '../../../automation/jobClient/dockerodeExec';
import { fingerprintObjects } from '../../unit/backup/support/fixture';
import type { S3Target } from '../../../automation/backup/objects';
import { s3Client } from '../../../automation/backup/objects';
import { SEAWEEDFS_SERVICE } from '../../../components/objectStore/seaweedfs';

const STACK = 'sweedlive';
const PASSWORD = 'sweed-password-1';
// Small, so the limit test moves little data; set here, read back from the backend's env below.
const UPLOAD_MB = 2;
const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('the dev stack on the seaweedfs engine (real SeaweedFS server, real Docker engine)', function () {
  let live: LiveStack | undefined;
  let http = 0;
  let s3: S3Target;
  let secrets: string[] = [];
  let outDir = '';
  const docker = new Docker();
  const durations: Record<string, number> = {};
  const cli = stackCli(STACK, () => secrets);
  const api = stackApi(() => http);
  const register = (username: string) => api<{ user: { id: string }; accessToken: string }>('POST', '/api/auth/register', undefined, { username, password: PASSWORD });
  const uploadRaw = (token: string, conv: string, name: string, type: string, content: Buffer) => {
    const form = new FormData();
    form.append('file', new Blob([content], { type }), name);
    return fetch(`http://127.0.0.1:${http}/api/conversations/${conv}/files`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
  };
  const download = fileDownloader(() => http);
  const containers = () => docker.listContainers({ all: true, filters: { label: [`com.imstack.stack=${STACK}`] } });
  const byService = stackContainer(docker, STACK);

  let alice: { user: { id: string }; accessToken: string };
  let bob: { user: { id: string }; accessToken: string };
  let conv = '';
  const uploaded = new Map<string, { content: Buffer; type: string }>();

  before(async function () {
    await requireLive(this);
    let t = Date.now();
    const img = await ensureSeaweedfsImage((l) => console.log(`      [seaweedfs-image] ${l}`));
    durations.image = Date.now() - t;
    const ports = await freeDevPorts();
    http = ports.http;
    const portOverrides = Object.fromEntries(Object.entries(ports).map(([k, v]) => [`ports.${k}`, v]));
    t = Date.now();
    live = await runStack({
      stack: STACK,
      projectDir: scratchProject(STACK),
      program: path.join(ROOT, 'index.ts'),
      // Only nginx is published: the test reaches the object store by container IP.
      configOverrides: {
        ...liveStackOverrides(), 'objectStore.engine': 'seaweedfs', 'images.seaweedfs': img.image,
        'limits.uploadMb': UPLOAD_MB, ...portOverrides, publishServices: false, ...extraCaBuildArgs(),
      },
      log: (l) => console.log(`      [${STACK}] ${l}`),
      timeoutMs: 10 * 60_000,
    });
    durations.up = Date.now() - t;
    if (!live.ok) throw new Error(`stack ${STACK} did not come up:\n${live.errors.join('\n')}`);
    t = Date.now();
    await eventually(async () => (await fetch(`http://127.0.0.1:${http}/health`).catch(() => undefined))?.status === 200, 120000, '/health through nginx');
    durations.healthy = Date.now() - t;

    const job = await byService('backup');
    const env = await jobEnv(docker, new DockerodeExec(docker), job.Id);
    assert.strictEqual(env.S3_ENDPOINT, SEAWEEDFS_SERVICE, 'the backup job talks to the seaweedfs gateway');
    const gw = await byService(SEAWEEDFS_SERVICE);
    s3 = {
      endPoint: gw.NetworkSettings.Networks[`imstack-${STACK}-data`].IPAddress, port: Number(env.S3_PORT), useSSL: false,
      accessKey: env.S3_ACCESS_KEY, secretKey: env.S3_SECRET_KEY, bucket: env.S3_BUCKET, region: env.S3_REGION ?? 'us-east-1',
    };
    secrets = [env.PGPASSWORD, env.S3_SECRET_KEY, env.BACKUP_KEY].filter((s): s is string => Boolean(s && s.length >= 8));
    outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'imstack-sweed-'));
    alice = await register('alice');
    bob = await register('bob');
    conv = (await api<{ id: string }>('POST', '/api/conversations', alice.accessToken, { type: 'direct', memberIds: [bob.user.id] })).id;
  });

  after(async function () {
    console.log(`      durations (s): ${Object.entries(durations).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)}`).join(', ')}`);
    if (outDir) fs.rmSync(outDir, { recursive: true, force: true });
    if (live && process.env.IMSTACK_LIVE_KEEP !== '1') {
      const r = await live.teardown({ purge: true });
      console.log(`      teardown removed ${r.containers.length} containers, ${r.networks.length} networks, ${r.volumes.length} volumes`);
    }
  });

  it('runs a seaweedfs gateway and no minio; every service is healthy, every one-shot exited 0, imctl health exits 0', async function () {
    const services = (await containers()).map((c) => c.Labels['com.imstack.service']);
    assert.ok(services.includes(SEAWEEDFS_SERVICE), `services: ${services.join(', ')}`);
    assert.ok(!services.includes('minio'), `a minio container runs on the seaweedfs engine: ${services.join(', ')}`);
    let problems: string[] = [];
    await eventually(async () => {
      problems = [];
      for (const c of await containers()) {
        const s = (await docker.getContainer(c.Id).inspect()).State;
        const name = c.Names[0];
        if (s.Status === 'exited') { if (s.ExitCode !== 0) problems.push(`${name} exited ${s.ExitCode}`); }
        else if (s.Status !== 'running') problems.push(`${name} is ${s.Status}`);
        else if (s.Health && s.Health.Status !== 'healthy') problems.push(`${name} is ${s.Health.Status}`);
      }
      return problems.length === 0;
    }, 180000, 'every container healthy').catch((e: Error) => { throw new Error(`${e.message}: ${problems.join('; ')}`); });
    const gw = await byService(SEAWEEDFS_SERVICE);
    assert.ok(gw.State.Health, 'the seaweedfs gateway declares a healthcheck');
    const health = await cli('health', '--timeout', '15s');
    assert.strictEqual(health.code, 0, health.stdout + health.stderr);
  });

  it('stores uploads on seaweedfs and serves them back byte-equal with their type, only to members', async function () {
    const files: Array<[string, string, Buffer]> = [
      ['notes.txt', 'text/plain', Buffer.from('the notes\n'.repeat(500))],
      ['pixel.png', 'image/png', Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c63f8cfc0f01f0005000201a5f0b6bd0000000049454e44ae426082', 'hex')],
      ['report.pdf', 'application/pdf', Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(300_000, 7)])],
    ];
    const before = Object.keys(await fingerprintObjects(s3)).length;
    for (const [name, type, content] of files) {
      const res = await uploadRaw(alice.accessToken, conv, name, type, content);
      const text = await res.text();
      assert.strictEqual(res.status, 201, text.slice(0, 200));
      const meta = JSON.parse(text) as { id: string; size: number; contentType: string };
      assert.strictEqual(meta.size, content.length);
      assert.strictEqual(meta.contentType, type);
      uploaded.set(meta.id, { content, type });
      const got = await download(alice.accessToken, meta.id);
      assert.strictEqual(got.status, 200);
      assert.ok(got.type.startsWith(type), `content-type ${got.type} for ${type}`);
      assert.strictEqual(sha256(got.body), sha256(content), `${name} came back different`);
    }
    // The bytes are in the seaweedfs bucket, one object per upload.
    const objects = await fingerprintObjects(s3);
    assert.strictEqual(Object.keys(objects).length, before + files.length, JSON.stringify(Object.keys(objects)));
    const shas = Object.values(objects).map((v) => v.split(' ')[0]);
    for (const { content } of uploaded.values()) assert.ok(shas.includes(sha256(content)), 'an upload is not in the bucket byte-equal');
    // A non-member is refused the file.
    const eve = await register('eve');
    assert.strictEqual((await download(eve.accessToken, [...uploaded.keys()][0])).status, 403);
  });

  it('accepts a file of exactly limits.uploadMb, refuses one byte more (413) and a type off the allowlist (415), storing neither', async function () {
    const backend = await byService('backend');
    assert.ok((backend.Config.Env ?? []).includes(`UPLOAD_MAX_MB=${UPLOAD_MB}`), 'the backend runs with the limit this test set');
    const exact = Buffer.alloc(UPLOAD_MB * 1024 * 1024, 0x61);
    const ok = await uploadRaw(alice.accessToken, conv, 'exact.txt', 'text/plain', exact);
    const okText = await ok.text();
    assert.strictEqual(ok.status, 201, okText.slice(0, 200));
    const id = (JSON.parse(okText) as { id: string }).id;
    uploaded.set(id, { content: exact, type: 'text/plain' });
    assert.strictEqual(sha256((await download(alice.accessToken, id)).body), sha256(exact));
    const count = Object.keys(await fingerprintObjects(s3)).length;
    const over = await uploadRaw(alice.accessToken, conv, 'over.txt', 'text/plain', Buffer.alloc(exact.length + 1, 0x62));
    assert.strictEqual(over.status, 413, (await over.text()).slice(0, 200));
    const bad = await uploadRaw(alice.accessToken, conv, 'tool.sh', 'application/x-sh', Buffer.from('#!/bin/sh\necho hi\n'));
    assert.strictEqual(bad.status, 415, (await bad.text()).slice(0, 200));
    assert.strictEqual(Object.keys(await fingerprintObjects(s3)).length, count, 'a refused upload left an object in the bucket');
  });

  it('deletes a file through the backend: only the uploader may, then 404 and the object gone from the bucket', async function () {
    const content = Buffer.from('to be deleted\n'.repeat(100));
    const res = await uploadRaw(alice.accessToken, conv, 'gone.txt', 'text/plain', content);
    assert.strictEqual(res.status, 201);
    const id = (JSON.parse(await res.text()) as { id: string }).id;
    const before = await fingerprintObjects(s3);
    const del = (token: string) => fetch(`http://127.0.0.1:${http}/api/files/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
    const byMember = await del(bob.accessToken);
    assert.strictEqual(byMember.status, 403, 'a member who did not upload the file deleted it');
    assert.strictEqual((await download(alice.accessToken, id)).status, 200);
    const byUploader = await del(alice.accessToken);
    assert.strictEqual(byUploader.status, 204, await byUploader.text());
    assert.strictEqual((await download(alice.accessToken, id)).status, 404);
    assert.strictEqual((await del(alice.accessToken)).status, 404, 'a second delete');
    const after = await fingerprintObjects(s3);
    assert.strictEqual(Object.keys(after).length, Object.keys(before).length - 1, 'the object is still in the bucket');
    assert.ok(!Object.values(after).some((v) => v.startsWith(sha256(content))), 'the deleted bytes are still stored');
  });

  it('imctl backup, every object wiped, imctl restore --force: the objects sha256-equal again and served byte-equal', async function () {
    const atBackup = await fingerprintObjects(s3);
    assert.ok(Object.keys(atBackup).length >= 4, `objects: ${Object.keys(atBackup)}`);
    let t = Date.now();
    const b = await cli('backup', '--output', outDir);
    durations.backup = Date.now() - t;
    assert.strictEqual(b.code, 0, b.stderr);
    const archive = new RegExp(`backup (backup_${STACK}_\\d{8}_\\d{6}\\.tar\\.gz\\.enc)`).exec(b.stdout)?.[1] ?? '';
    assert.ok(archive, b.stdout);

    // Wipe the bucket with the backup identity's keys, straight through the S3 API.
    const client = s3Client(s3);
    for (const key of Object.keys(atBackup)) await client.removeObject(s3.bucket, key);
    assert.deepStrictEqual(await fingerprintObjects(s3), {}, 'the bucket is empty after the wipe');
    const gone = await download(alice.accessToken, [...uploaded.keys()][0]);
    assert.notStrictEqual(gone.status, 200, 'a wiped object is still served');

    t = Date.now();
    const r = await cli('restore', archive, '--force');
    durations.restore = Date.now() - t;
    assert.strictEqual(r.code, 0, r.stderr);
    assert.deepStrictEqual(await fingerprintObjects(s3), atBackup);
    await eventually(async () => (await fetch(`http://127.0.0.1:${http}/health`).catch(() => undefined))?.status === 200, 120000, '/health after the restore');
    for (const [id, { content, type }] of uploaded) {
      const got = await download(alice.accessToken, id);
      assert.strictEqual(got.status, 200);
      assert.ok(got.type.startsWith(type));
      assert.strictEqual(sha256(got.body), sha256(content));
    }
  });
});
