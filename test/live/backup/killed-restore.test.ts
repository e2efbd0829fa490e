// Issue 15, items 2 and 3, on a real stack: a restore whose backup job container is killed
// (kill -9 of its main process) in the middle of maintenance must not leave the site down
// until a person acts. Nobody touches the stack after the kill: the job container comes back
// by its restart policy, and the site must leave maintenance by itself with the backends
// healthy and exactly the pre-restore data. `imctl health` must say "down, maintenance" while
// users get the maintenance page, and exit 0 only once they get real pages again.
// One throwaway stack ("killrestore") for the whole file, purged afterwards.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { randomBytes } from 'crypto';
import { spawn, type ChildProcess } from 'child_process';
import { PassThrough } from 'stream';
import Docker from 'dockerode';
import { Client as PgClient } from 'pg';
import { LiveStack, runStack } from '../engine/run-stack';
import { extraCaBuildArgs, freeDevPorts, liveStackOverrides, requireLive } from '../support';
import { BIN, ROOT, scratchProject, transcript, type CliResult } from '../imctl/support';
import { stackApi, stackCli } from './support';
import { fingerprintDb, fingerprintObjects, type Fingerprint } from '../../unit/backup/support/fixture';
import type { PgConnection } from '../../../automation/backup/postgres';
import type { S3Target } from '../../../automation/backup/objects';
import { s3Client } from '../../../automation/backup/objects';
import { JOURNAL_FILE, type RestoreJournal } from '../../../automation/backup/journal';
import { MAINTENANCE_FLAG } from '../../../nginx/render';

const STACK = 'killrestore';
const PASSWORD = 'killed-restore-pw-1';
/**
 * Objects the restore has to upload again, so that its object phase lasts long enough to be
 * caught in. Each below the S3 client's 5 MiB part size: the object-store stand-in has no
 * multipart listing, which the client's putObject of a larger buffer asks for.
 */
const BULK = { count: 16, bytes: 4 * 1024 * 1024 };

interface Answers {
  health: CliResult;
  page: { status: number; maintenance: boolean };
  api: { status: number; maintenance: boolean };
}

describe('a restore killed mid-way recovers without a person (real Docker engine)', function () {
  const docker = new Docker();
  let live: LiveStack | undefined;
  let http = 0;
  let conn: PgConnection;
  let s3: S3Target;
  let secrets: string[] = [];
  let backupsDir = '';
  let archive = '';
  let token = '';
  let conv = '';
  const durations: Record<string, number> = {};

  const cli = stackCli(STACK, () => secrets);
  const api = stackApi(() => http);
  const byService = async (service: string): Promise<Docker.ContainerInspectInfo[]> => {
    const list = await docker.listContainers({ all: true, filters: { label: [`com.imstack.stack=${STACK}`, `com.imstack.service=${service}`] } });
    return Promise.all(list.map((c) => docker.getContainer(c.Id).inspect()));
  };
  const one = async (service: string): Promise<Docker.ContainerInspectInfo> => {
    const [c] = await byService(service);
    assert.ok(c, `no ${service} container`);
    return c;
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
  /** What a user gets for a page and for an API route (unauthenticated: 401 from the backend). */
  const userView = async (p: string): Promise<{ status: number; maintenance: boolean }> => {
    const res = await fetch(`http://127.0.0.1:${http}${p}`, { signal: AbortSignal.timeout(5000) }).catch(() => undefined);
    if (!res) return { status: 0, maintenance: false };
    const text = await res.text();
    return { status: res.status, maintenance: res.status === 503 && /maintenance/i.test(text) };
  };
  const answers = async (): Promise<Answers> => {
    const health = await cli('health', '--timeout', '3s');
    return { health, page: await userView('/'), api: await userView('/api/me') };
  };
  const flagSet = async (): Promise<boolean> => {
    const nginx = await one('nginx');
    if (!nginx.State.Running) return false;
    const exec = await docker.getContainer(nginx.Id).exec({ Cmd: ['test', '-f', MAINTENANCE_FLAG], AttachStdout: false, AttachStderr: false });
    await exec.start({ Detach: true });
    for (let i = 0; i < 50; i++) {
      const info = await exec.inspect();
      if (!info.Running) return info.ExitCode === 0;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error('test -f in nginx did not finish');
  };
  /** Output of cmd in a container (exit 0 required). */
  const execOut = async (id: string, cmd: string[]): Promise<string> => {
    const exec = await docker.getContainer(id).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
    const stream = await exec.start({ hijack: true, stdin: false });
    const out: Buffer[] = [];
    const sink = new PassThrough();
    sink.on('data', (c: Buffer) => out.push(c));
    docker.modem.demuxStream(stream, sink, sink);
    await new Promise((r) => stream.on('end', r));
    const info = await exec.inspect();
    if (info.ExitCode !== 0) throw new Error(`${cmd.join(' ')} exited ${info.ExitCode}: ${Buffer.concat(out).toString()}`);
    return Buffer.concat(out).toString();
  };
  /** The job's environment, with X read from the file X_FILE names where the secret is passed as a file. */
  const jobEnv = async (c: Docker.ContainerInspectInfo): Promise<Record<string, string>> => {
    const env: Record<string, string> = Object.fromEntries((c.Config.Env ?? []).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
    for (const [k, file] of Object.entries(env)) {
      const name = k.endsWith('_FILE') ? k.slice(0, -'_FILE'.length) : '';
      if (name && env[name] === undefined && file.startsWith('/')) env[name] = (await execOut(c.Id, ['cat', file])).replace(/\n+$/, '');
    }
    return env;
  };
  const journal = (): RestoreJournal | undefined => {
    try {
      return JSON.parse(fs.readFileSync(path.join(backupsDir, JOURNAL_FILE), 'utf8')) as RestoreJournal;
    } catch {
      return undefined;
    }
  };
  /** Polls `cond` every `everyMs` until it holds; bounded by `timeoutMs`. */
  const until = async (what: string, timeoutMs: number, everyMs: number, cond: () => Promise<boolean> | boolean): Promise<void> => {
    const end = Date.now() + timeoutMs;
    for (;;) {
      if (await cond()) return;
      if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise((r) => setTimeout(r, everyMs));
    }
  };
  const startRestore = (): { child: ChildProcess; done: Promise<CliResult>; stderr: () => string } => {
    const started = Date.now();
    const child = spawn(process.execPath, [BIN, '--stack', STACK, 'restore', archive, '--force'], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    const done = new Promise<CliResult>((resolve) => child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr, ms: Date.now() - started })));
    return { child, done, stderr: () => stderr };
  };

  before(async function () {
    await requireLive(this);
    const ports = await freeDevPorts();
    http = ports.http;
    const portOverrides = Object.fromEntries(Object.entries(ports).map(([k, v]) => [`ports.${k}`, v]));
    const t = Date.now();
    live = await runStack({
      stack: STACK,
      projectDir: scratchProject(STACK),
      program: path.join(ROOT, 'index.ts'),
      configOverrides: { ...liveStackOverrides(), ...portOverrides, publishServices: false, ...extraCaBuildArgs() },
      log: (l) => console.log(`      [${STACK}] ${l}`),
      timeoutMs: 10 * 60_000,
    });
    durations.up = Date.now() - t;
    if (!live.ok) throw new Error(`stack ${STACK} did not come up:\n${live.errors.join('\n')}`);
    await until('/health through nginx', 120_000, 1000, async () => (await userView('/health')).status === 200);

    const job = await one('backup');
    const env = await jobEnv(job);
    const ip = async (service: string) => (await one(service)).NetworkSettings.Networks[`imstack-${STACK}-data`].IPAddress;
    conn = { host: await ip('postgres'), port: 5432, user: env.PGUSER ?? 'postgres', password: env.PGPASSWORD, database: env.PGDATABASE ?? 'imstack' };
    s3 = { endPoint: await ip(env.S3_ENDPOINT ?? 'seaweedfs'), port: Number(env.S3_PORT ?? 8333), useSSL: false, accessKey: env.S3_ACCESS_KEY, secretKey: env.S3_SECRET_KEY, bucket: env.S3_BUCKET ?? 'imstack', region: env.S3_REGION ?? 'us-east-1' };
    secrets = [env.PGPASSWORD, env.S3_SECRET_KEY, env.BACKUP_KEY].filter((s): s is string => Boolean(s && s.length >= 8));
    backupsDir = (await docker.getVolume(`imstack-${STACK}-backups`).inspect()).Mountpoint;

    // Data users made, plus large objects (written straight to the bucket) that the restore
    // will have to upload again.
    const alice = await api<{ user: { id: string }; accessToken: string }>('POST', '/api/auth/register', undefined, { username: 'alice', password: PASSWORD });
    const bob = await api<{ user: { id: string }; accessToken: string }>('POST', '/api/auth/register', undefined, { username: 'bob', password: PASSWORD });
    token = alice.accessToken;
    conv = (await api<{ id: string }>('POST', '/api/conversations', token, { type: 'direct', memberIds: [bob.user.id] })).id;
    for (let i = 0; i < 10; i++) await api('POST', `/api/conversations/${conv}/messages`, token, { body: `message ${i}` });
    for (let i = 0; i < BULK.count; i++) await s3Client(s3).putObject(s3.bucket, `bulk/${i}.bin`, randomBytes(BULK.bytes), BULK.bytes);
    const b = await cli('backup');
    assert.strictEqual(b.code, 0, b.stderr);
    archive = new RegExp(`backup (backup_${STACK}_\\d{8}_\\d{6}\\.tar\\.gz\\.enc)`).exec(b.stdout)?.[1] ?? '';
    assert.ok(archive, b.stdout);
  });

  after(async function () {
    console.log(`      durations (s): ${Object.entries(durations).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)}`).join(', ')}`);
    if (live && process.env.IMSTACK_LIVE_KEEP !== '1') {
      const r = await live.teardown({ purge: true });
      console.log(`      teardown removed ${r.containers.length} containers, ${r.networks.length} networks, ${r.volumes.length} volumes`);
    }
  });

  it('imctl health reports the maintenance page as down, with since-when and why, while the backends run', async function () {
    const healthy = await cli('health', '--timeout', '3s');
    assert.strictEqual(healthy.code, 0, healthy.stdout);
    const nginx = await one('nginx');
    const exec = await docker.getContainer(nginx.Id).exec({ Cmd: ['touch', MAINTENANCE_FLAG] });
    await exec.start({ Detach: true });
    await until('the maintenance flag', 10_000, 50, flagSet);
    try {
      assert.ok((await userView('/')).maintenance, 'users get the maintenance page');
      const r = await cli('health', '--timeout', '3s');
      assert.strictEqual(r.code, 2, `health must be down while users get the maintenance page:\n${r.stdout}`);
      assert.match(r.stdout, /^maintenance +down +.*since \d{4}-\d\d-\d\dT/m);
      assert.match(r.stdout, /^maintenance +down +.*(not|no) .*restore/m, 'says why: no restore set it');
      assert.match(r.stdout, /^page \/ via nginx +down +503 maintenance page/m);
      assert.match(r.stdout, /^api \/api\/me via nginx +down +503 maintenance page/m);
    } finally {
      const rm = await docker.getContainer(nginx.Id).exec({ Cmd: ['rm', '-f', MAINTENANCE_FLAG] });
      await rm.start({ Detach: true });
      await until('the maintenance flag removed', 10_000, 50, async () => !(await flagSet()));
    }
    const after = await cli('health', '--timeout', '3s');
    assert.strictEqual(after.code, 0, after.stdout);
    assert.match(after.stdout, /^page \/ via nginx +ok +200/m);
    assert.match(after.stdout, /^api \/api\/me via nginx +ok +401/m);
  });

  // Where the kill lands: after the postgres swap, while the objects are being replaced
  // (journal phase "objects"), and at the moment the maintenance flag appears (imctl is still
  // stopping the backends, the swap not yet done).
  const killPoints: Array<{ name: string; reached: () => Promise<boolean>; phase: RestoreJournal['phase'] }> = [
    { name: 'after the postgres swap, during the object swap', reached: async () => journal()?.phase === 'objects', phase: 'objects' },
    { name: 'as the maintenance page goes up', reached: () => flagSet(), phase: 'prepared' },
  ];
  for (const point of killPoints) {
    it(`kill -9 of the job ${point.name}: the site comes back by itself with exactly the pre-restore data`, async function () {
      // Users change things after the backup: a message, a deleted row, the large objects rewritten.
      await api('POST', `/api/conversations/${conv}/messages`, token, { body: `written after the backup, before killing ${point.name}` });
      await sql(`DELETE FROM messages WHERE id = (SELECT min(id) FROM messages)`);
      for (let i = 0; i < BULK.count; i++) await s3Client(s3).putObject(s3.bucket, `bulk/${i}.bin`, randomBytes(BULK.bytes), BULK.bytes);
      const pre = await fingerprint();
      const jobBefore = await one('backup');

      const t = Date.now();
      const run = startRestore();
      await until(`the restore to reach ${point.name}`, 300_000, 20, async () => point.reached() || run.child.exitCode !== null);
      assert.strictEqual(run.child.exitCode, null, `the restore ended before the kill point:\n${run.stderr()}`);
      const job = await one('backup');
      // The restore is held still (SIGSTOP) so imctl health can look at the site while it is in
      // maintenance; then the container's main process is killed, as the issue describes, which
      // takes the stopped restore with it.
      const top = (await docker.getContainer(job.Id).top({ ps_args: '-eo pid,args' })) as { Processes: string[][] };
      const restorePids = top.Processes.filter((p) => /main\.js --json restore/.test(p[1])).map((p) => Number(p[0]));
      assert.strictEqual(restorePids.length, 1, `one restore process in the job: ${JSON.stringify(top.Processes)}`);
      process.kill(restorePids[0], 'SIGSTOP');
      let during: Answers;
      try {
        during = await answers();
      } finally {
        process.kill(job.State.Pid, 'SIGKILL');
      }
      durations[`kill (${point.phase})`] = Date.now() - t;
      assert.strictEqual(journal()?.phase, point.phase, 'the kill landed before the restore committed');
      assert.ok(during.page.maintenance, `users get the maintenance page (got ${during.page.status})`);

      const r = await run.done;
      transcript(`--stack ${STACK} restore ${archive} --force   # job killed ${point.name}`, r);
      assert.notStrictEqual(r.code, 0, 'imctl restore reports the failure');

      // No person from here on: only observe. Health may say 0 only when users get real pages.
      const seen: string[] = [];
      const back = Date.now();
      try {
        await until('the site to leave maintenance by itself', 240_000, 2000, async () => {
          const now = await answers();
          seen.push(`health ${now.health.code}, / ${now.page.status}${now.page.maintenance ? ' (maintenance)' : ''}, /api/me ${now.api.status}`);
          if (now.health.code !== 0) return false;
          assert.strictEqual(now.page.status, 200, `health said healthy while / answered ${now.page.status}`);
          assert.strictEqual(now.api.status, 401, `health said healthy while /api/me answered ${now.api.status}`);
          return true;
        });
      } finally {
        console.log(`      observed after the kill (every 2 s): ${seen.join('; ')}`);
        console.log(`      flag ${(await flagSet()) ? 'still set' : 'gone'}, journal ${journal()?.phase ?? 'gone'}, backends ${(await byService('backend')).map((b) => `${b.Name} ${b.State.Status}`).join(', ')}`);
      }
      durations[`back in service after kill (${point.phase})`] = Date.now() - back;
      // While it was in maintenance, health said so.
      assert.notStrictEqual(during.health.code, 0, `health must not be ok during maintenance:\n${during.health.stdout}`);
      assert.match(during.health.stdout, /^maintenance +down +.*since/m, 'health names the maintenance');

      const jobAfter = await one('backup');
      assert.ok(jobAfter.RestartCount > jobBefore.RestartCount || jobAfter.State.StartedAt !== jobBefore.State.StartedAt, 'the job container was restarted by its restart policy');
      assert.strictEqual(await flagSet(), false, 'the maintenance flag is gone');
      for (const b of await byService('backend')) {
        assert.ok(b.State.Running && b.State.Health?.Status === 'healthy', `${b.Name} is ${b.State.Status} (${b.State.Health?.Status})`);
      }
      assert.strictEqual(journal(), undefined, 'the interrupted restore is resolved');
      assert.deepStrictEqual(await fingerprint(), pre, 'exactly the pre-restore data');
      const status = await cli('backups', 'status');
      assert.doesNotMatch(status.stdout, /^restore:/m, 'no restore left pending');
    });
  }
});
