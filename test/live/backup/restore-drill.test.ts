// The restore drill on a real stack: seed users, messages and files through nginx, back up
// with `imctl backup`, mutate (rows and objects added and deleted), `imctl restore --force`,
// and compare a row-level checksum of every table and the sha256 of every object with the
// state at backup time. Also: the maintenance page is served during the restore,
// --postgres-only leaves objects alone, and a flipped-byte archive is refused with live data
// unchanged. One throwaway stack ("backuplive") for the whole file, purged afterwards.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import Docker from 'dockerode';
import { LiveStack, runStack } from '../engine/run-stack';
import { extraCaBuildArgs, freeDevPorts, liveStackOverrides, requireLive } from '../support';
import { ROOT, scratchProject, eventually, jsonResult } from '../imctl/support';
import { jobEnv, stackApi, stackCli } from './support';
import { DockerodeExec } from '../../../automation/jobClient/dockerodeExec';
import { fingerprintDb, fingerprintObjects, type Fingerprint } from '../../unit/backup/support/fixture';
import type { PgConnection } from '../../../automation/backup/postgres';
import type { S3Target } from '../../../automation/backup/objects';
import { s3Client } from '../../../automation/backup/objects';
import { Client as PgClient } from 'pg';

const STACK = 'backuplive';
const PASSWORD = 'drill-password-1';

describe('backup and restore drill on a live stack (real Docker engine)', function () {
  let live: LiveStack | undefined;
  let http = 0;
  let conn: PgConnection;
  let s3: S3Target;
  let secrets: string[] = [];
  let outDir = '';
  const durations: Record<string, number> = {};
  const cli = stackCli(STACK, () => secrets);

  const api = stackApi(() => http);
  const register = (username: string) => api<{ user: { id: string }; accessToken: string }>('POST', '/api/auth/register', undefined, { username, password: PASSWORD });
  const post = (token: string, conv: string, body: string) => api('POST', `/api/conversations/${conv}/messages`, token, { body });
  const upload = (token: string, conv: string, name: string, type: string, content: Buffer) => {
    const form = new FormData();
    form.append('file', new Blob([content], { type }), name);
    return api<{ id: string }>('POST', `/api/conversations/${conv}/files`, token, form);
  };
  const fingerprint = async (): Promise<Fingerprint> => ({ tables: await fingerprintDb(conn), objects: await fingerprintObjects(s3) });
  const sql = async (text: string): Promise<void> => {
    const c = new PgClient({ host: conn.host, port: conn.port, user: conn.user, password: conn.password, database: conn.database });
    await c.connect();
    try {
      await c.query(text);
    } finally {
      await c.end();
    }
  };

  let alice: { user: { id: string }; accessToken: string };
  let conv = '';
  let archive = '';
  let hostCopy = '';
  let atBackup: Fingerprint;

  before(async function () {
    await requireLive(this);
    const ports = await freeDevPorts();
    http = ports.http;
    const portOverrides = Object.fromEntries(Object.entries(ports).map(([k, v]) => [`ports.${k}`, v]));
    let t = Date.now();
    live = await runStack({
      stack: STACK,
      projectDir: scratchProject(STACK),
      program: path.join(ROOT, 'index.ts'),
      // Only nginx is published: the drill reaches postgres and minio by container IP, and the
      // dev-ports forwarder is not needed (nor its failure mode on Docker 20.10: uploads into a
      // read-only rootfs are refused).
      configOverrides: { ...liveStackOverrides(), ...portOverrides, publishServices: false, ...extraCaBuildArgs() },
      log: (l) => console.log(`      [${STACK}] ${l}`),
      timeoutMs: 10 * 60_000,
    });
    durations.up = Date.now() - t;
    if (!live.ok) throw new Error(`stack ${STACK} did not come up:\n${live.errors.join('\n')}`);
    t = Date.now();
    await eventually(async () => (await fetch(`http://127.0.0.1:${http}/health`).catch(() => undefined))?.status === 200, 120000, '/health through nginx');

    // Direct access for the checksums: the host routes to the (internal) data network.
    const docker = new Docker();
    const byService = async (service: string) => {
      const [c] = await docker.listContainers({ all: true, filters: { label: [`com.imstack.stack=${STACK}`, `com.imstack.service=${service}`] } });
      return docker.getContainer(c.Id).inspect();
    };
    const job = await byService('backup');
    const env = await jobEnv(docker, new DockerodeExec(docker), job.Id);
    const ip = async (service: string) => (await byService(service)).NetworkSettings.Networks[`imstack-${STACK}-data`].IPAddress;
    conn = { host: await ip('postgres'), port: 5432, user: env.PGUSER ?? 'postgres', password: env.PGPASSWORD, database: env.PGDATABASE ?? 'imstack' };
    s3 = { endPoint: await ip(env.S3_ENDPOINT ?? 'seaweedfs'), port: Number(env.S3_PORT ?? 8333), useSSL: false, accessKey: env.S3_ACCESS_KEY, secretKey: env.S3_SECRET_KEY, bucket: env.S3_BUCKET ?? 'imstack', region: env.S3_REGION ?? 'us-east-1' };
    secrets = [env.PGPASSWORD, env.S3_SECRET_KEY, env.BACKUP_KEY].filter((s): s is string => Boolean(s && s.length >= 8));
    assert.ok(env.BACKUP_KEY, 'dev stacks encrypt their backups');
    outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'imstack-drill-'));

    // Seed through nginx, the way users create data.
    alice = await register('alice');
    const bob = await register('bob');
    conv = (await api<{ id: string }>('POST', '/api/conversations', alice.accessToken, { type: 'direct', memberIds: [bob.user.id] })).id;
    for (let i = 0; i < 20; i++) await post(i % 2 ? bob.accessToken : alice.accessToken, conv, `message ${i} ${'x'.repeat(i)}`);
    await upload(alice.accessToken, conv, 'notes.txt', 'text/plain', Buffer.from('the notes\n'.repeat(500)));
    await upload(bob.accessToken, conv, 'pixel.png', 'image/png', Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c63f8cfc0f01f0005000201a5f0b6bd0000000049454e44ae426082', 'hex'));
    await upload(alice.accessToken, conv, 'report.pdf', 'application/pdf', Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(200_000, 7)]));
    durations.seed = Date.now() - t;
  });

  after(async function () {
    console.log(`      durations (s): ${Object.entries(durations).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)}`).join(', ')}`);
    if (outDir) fs.rmSync(outDir, { recursive: true, force: true });
    if (live && process.env.IMSTACK_LIVE_KEEP !== '1') {
      const r = await live.teardown({ purge: true });
      console.log(`      teardown removed ${r.containers.length} containers, ${r.networks.length} networks, ${r.volumes.length} volumes`);
    }
  });

  it('imctl backup writes a verified, encrypted archive and copies it out', async function () {
    atBackup = await fingerprint();
    assert.ok(Object.keys(atBackup.objects).length >= 3, `objects: ${Object.keys(atBackup.objects)}`);
    const t = Date.now();
    const r = await cli('backup', '--output', outDir);
    durations.backup = Date.now() - t;
    assert.strictEqual(r.code, 0, r.stderr);
    archive = /backup (backup_backuplive_\d{8}_\d{6}\.tar\.gz\.enc)/.exec(r.stdout)?.[1] ?? '';
    assert.ok(archive, r.stdout);
    assert.match(r.stderr, /objects?/, 'progress lines name objects');
    hostCopy = path.join(outDir, archive);
    assert.ok(fs.statSync(hostCopy).size > 200_000);
    const v = await cli('backups', 'verify', archive);
    assert.strictEqual(v.code, 0, v.stderr);
    assert.match(v.stdout, /OK/);
    const list = await cli('backups', 'list');
    assert.match(list.stdout, new RegExp(`local +${archive.replace(/\./g, '\\.')} .* manual +ok`));
    // Each probe gets 15 s: on a loaded 2-core host, exec'ing node in the 1-CPU job container took over 3 s.
    const health = await cli('health', '--timeout', '15s');
    assert.match(health.stdout, /^backup age +ok +last successful backup/m);
  });

  it('imctl restore --force brings back every row and object exactly, behind the maintenance page', async function () {
    // Mutate: rows and objects added through the API, rows and objects deleted directly.
    const carol = await register('carol');
    await post(alice.accessToken, conv, 'written after the backup');
    await upload(alice.accessToken, conv, 'late.txt', 'text/plain', Buffer.from('late file'));
    await sql(`DELETE FROM messages WHERE body LIKE 'message 1%'`);
    const firstObject = Object.keys(atBackup.objects)[0];
    await s3Client(s3).removeObject(s3.bucket, firstObject);
    void carol;
    assert.notDeepStrictEqual(await fingerprint(), atBackup);

    // Watch nginx while the restore runs.
    const seen = new Map<number, number>();
    let maintenancePage = false;
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const res = await fetch(`http://127.0.0.1:${http}/api/me`).catch(() => undefined);
        if (res) {
          seen.set(res.status, (seen.get(res.status) ?? 0) + 1);
          const body = await res.text();
          if (res.status === 503 && /maintenance/i.test(body)) maintenancePage = true;
        }
        await new Promise((r) => setTimeout(r, 150));
      }
    })();
    const t = Date.now();
    const r = await cli('restore', archive, '--force');
    durations.restore = Date.now() - t;
    watching = false;
    await watcher;
    console.log(`      nginx answers during the restore: ${[...seen].map(([s, n]) => `${s}×${n}`).join(', ')}`);
    assert.strictEqual(r.code, 0, r.stderr);
    assert.match(r.stderr, /maintenance on/);
    assert.deepStrictEqual(await fingerprint(), atBackup);
    assert.ok(maintenancePage, 'nginx served the 503 maintenance page during the restore');
    assert.strictEqual((await fetch(`http://127.0.0.1:${http}/health`)).status, 200, 'the API is back after the restore');
    // The restored data is usable: alice's conversation has its 20 messages.
    const msgs = await api<{ messages: unknown[] }>('GET', `/api/conversations/${conv}/messages?limit=100`, alice.accessToken);
    assert.strictEqual(msgs.messages.length, 20);
    // imctl returned once the data served; the job's daemon writes the safety archive (the
    // mutated state) from the kept previous database and the saved objects, within seconds.
    const safety = /safety backup of the previous data: (backup_backuplive_\d{8}_\d{6}\.tar\.gz\.enc)/.exec(r.stdout)?.[1];
    assert.ok(safety, r.stdout);
    let listed: { file: string; kind?: string }[] = [];
    for (let i = 0; i < 120 && !listed.some((x) => x.file === safety); i++) {
      await new Promise((res) => setTimeout(res, 500));
      listed = jsonResult<typeof listed>(await cli('--json', 'backups', 'list'));
    }
    assert.strictEqual(listed.find((x) => x.file === safety)?.kind, 'safety', JSON.stringify(listed));
    const status = await cli('backups', 'status');
    assert.doesNotMatch(status.stdout, /^restore:/m, 'no restore left pending');
    const v = await cli('backups', 'verify', safety);
    assert.strictEqual(v.code, 0, v.stderr);
  });

  it('--postgres-only restores the tables and leaves the objects as they are', async function () {
    await post(alice.accessToken, conv, 'another late message');
    await upload(alice.accessToken, conv, 'kept.txt', 'text/plain', Buffer.from('this object must survive'));
    const before = await fingerprint();
    const t = Date.now();
    const r = await cli('restore', archive, '--postgres-only', '--force');
    durations.restorePostgresOnly = Date.now() - t;
    assert.strictEqual(r.code, 0, r.stderr);
    const after = await fingerprint();
    assert.deepStrictEqual(after.tables, atBackup.tables);
    assert.deepStrictEqual(after.objects, before.objects);
  });

  it('a flipped-byte archive copied in from the host is refused (exit 12) and nothing changes', async function () {
    const bytes = fs.readFileSync(hostCopy);
    bytes[Math.floor(bytes.length / 2)] ^= 0x20;
    const forged = path.join(outDir, archive.replace(/_(\d{6})\./, (_m, s: string) => `_${String((Number(s) + 1) % 1000000).padStart(6, '0')}.`));
    fs.writeFileSync(forged, bytes);
    const before = await fingerprint();
    const r = await cli('restore', forged, '--force');
    assert.strictEqual(r.code, 12, r.stdout + r.stderr);
    assert.match(r.stderr, /archive refused: .*(authentication|corrupt)/);
    assert.doesNotMatch(r.stderr, /maintenance on/);
    assert.deepStrictEqual(await fingerprint(), before);
    assert.strictEqual((await fetch(`http://127.0.0.1:${http}/health`)).status, 200);
  });
});
