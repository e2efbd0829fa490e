// npm run bench:backup -- --containers [MB1 MB2]  (default 500 and 250), or ts-node --transpile-only bench/backup-containers.ts
// The backup bench inside the real stack's containers: one throwaway stack ("benchbk", the
// program run by the live layer with substitute images), then per size: seed (half rows, half
// 1 MiB incompressible objects), engine backup and restore exec'd in the backup job container
// exactly as imctl does, and the baseline in the containers that own the data: pg_dump -Fc /
// pg_restore inside the postgres container, tar / untar of MinIO's /data inside the minio
// container. Not a timed test: it prints tables. Needs the Docker engine and the docker CLI.
// The stack is pinned to the minio engine (the live layer's s3rver substitute), whose /data
// can be tarred while it serves; the seaweedfs default is measured by the host mode.
//
// Peak RSS comes from the host's view of the container's processes: every 100 ms the pids in
// the container's memory cgroup are read and each new process's VmHWM (its own high-water
// mark, which the kernel keeps until exit) is kept; the figure is the largest one, as
// /usr/bin/time %M gives in the host bench.
import { spawn } from 'child_process';
import { createCipheriv } from 'crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'fs';
import { join } from 'path';
import { createInterface } from 'readline';
import Docker from 'dockerode';
import { s3Client, S3Target } from '../automation/backup/objects';
import { LiveStack, REPO_ROOT, runStack } from '../test/live/engine/run-stack';
import { StackState } from '../test/live/engine/state';
import { teardownStack } from '../test/live/engine/teardown';
import { stateFileFor } from '../test/live/engine/run-stack';
import { extraCaBuildArgs, freeDevPorts, liveReady, minioEngineOverrides } from '../test/live/support';

const STACK = 'benchbk';
const JOB_MAIN = '/opt/imstack-backup/dist/main.js';
const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
const [mbA, mbB] = sizes.length >= 2 ? sizes : [500, 250];
const docker = new Docker();

const name = (service: string): string => `imstack-${STACK}-${service}`;

/** Host pids of a container's processes (cgroup v1 or v2), via the engine's pid for the cgroup path. */
function cgroupProcs(fullId: string): number[] {
  for (const f of [`/sys/fs/cgroup/memory/docker/${fullId}/cgroup.procs`, `/sys/fs/cgroup/system.slice/docker-${fullId}.scope/cgroup.procs`]) {
    if (existsSync(f)) return readFileSync(f, 'utf8').split('\n').filter(Boolean).map(Number);
  }
  throw new Error(`no cgroup for container ${fullId.slice(0, 12)} visible from this host`);
}

function status(pid: number): { name: string; hwmKb: number } | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    return { name: /^Name:\s+(\S+)/m.exec(s)?.[1] ?? '?', hwmKb: Number(/^VmHWM:\s+(\d+)/m.exec(s)?.[1] ?? 0) };
  } catch {
    return undefined; // exited between the listing and the read
  }
}

/** Samples the peak RSS of processes that start in the given containers after start(). */
class RssSampler {
  private readonly before = new Set<number>();
  private readonly peak = new Map<number, { name: string; kb: number }>();
  private timer?: NodeJS.Timeout;
  constructor(private readonly ids: string[], private readonly only?: RegExp) {}
  start(): void {
    for (const id of this.ids) for (const p of cgroupProcs(id)) this.before.add(p);
    this.timer = setInterval(() => this.sample(), 100);
  }
  private sample(): void {
    for (const id of this.ids) {
      for (const pid of cgroupProcs(id)) {
        if (this.before.has(pid)) continue;
        const s = status(pid);
        if (!s || (this.only && !this.only.test(s.name))) continue;
        const prev = this.peak.get(pid);
        if (!prev || s.hwmKb > prev.kb) this.peak.set(pid, { name: s.name, kb: s.hwmKb });
      }
    }
  }
  /** MB of the largest process, and which one. */
  stop(): { mb: number; by: string } {
    this.sample();
    clearInterval(this.timer);
    let best = { name: '-', kb: 0 };
    for (const v of this.peak.values()) if (v.kb > best.kb) best = v;
    return { mb: best.kb / 1024, by: best.name };
  }
}

interface Exec {
  s: number;
  out: string;
  /** [seconds since start, label] of the engine's --json phase events, timestamped as they arrive. */
  timeline: [number, string][];
  rss: { mb: number; by: string };
}

/**
 * `docker exec` one command and time it. Secrets only travel as `-e NAME` (value from this
 * process's env), never in arguments. onLine may answer on stdin (restore hooks).
 */
async function dexec(container: string, cmd: string[], o: { env?: Record<string, string>; input?: string; sample?: RssSampler; onLine?: (l: string, send: (s: string) => void) => void } = {}): Promise<Exec> {
  const envArgs = Object.keys(o.env ?? {}).flatMap((k) => ['-e', k]);
  const interactive = o.input !== undefined || o.onLine !== undefined;
  const t = Date.now();
  o.sample?.start();
  const child = spawn('docker', ['exec', ...(interactive ? ['-i'] : []), ...envArgs, container, ...cmd], { env: { ...process.env, ...o.env }, stdio: [interactive ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
  let err = '';
  let out = '';
  child.stderr?.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-4000)));
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const timeline: [number, string][] = [];
  lines.on('line', (l) => {
    out = (out + l + '\n').slice(-20000);
    if (l.startsWith('{"type":"phase"')) {
      const e = JSON.parse(l) as { phase: string; detail?: string };
      timeline.push([(Date.now() - t) / 1000, `${e.phase}: ${e.detail ?? ''}`]);
    }
    o.onLine?.(l, (s) => child.stdin?.write(s.endsWith('\n') ? s : `${s}\n`));
  });
  if (o.input !== undefined) child.stdin?.end(o.input);
  const code = await new Promise<number>((res) => child.on('close', (c) => res(c ?? -1)));
  const s = (Date.now() - t) / 1000;
  const rss = o.sample?.stop() ?? { mb: 0, by: '-' };
  if (code !== 0) throw new Error(`${container}: ${cmd.slice(0, 3).join(' ')} exited ${code}: ${err}${out.slice(-1500)}`);
  return { s, out, rss, timeline };
}

function parseEnv(list: string[] | undefined): Record<string, string> {
  return Object.fromEntries((list ?? []).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
}

interface Ctx {
  ids: Record<'backup' | 'postgres' | 'minio', string>;
  pgEnv: Record<string, string>;
  s3: S3Target;
}

async function context(): Promise<Ctx> {
  const inspect = (s: string) => docker.getContainer(name(s)).inspect();
  const [job, pg, minio] = await Promise.all([inspect('backup'), inspect('postgres'), inspect('minio')]);
  const env = parseEnv(job.Config.Env);
  const ip = minio.NetworkSettings.Networks[`imstack-${STACK}-data`]?.IPAddress;
  if (!ip) throw new Error(`${name('minio')} is not on imstack-${STACK}-data`);
  return {
    ids: { backup: job.Id, postgres: pg.Id, minio: minio.Id },
    pgEnv: env.PGPASSWORD ? { PGPASSWORD: env.PGPASSWORD } : {},
    s3: { endPoint: ip, port: Number(env.S3_PORT ?? 9000), useSSL: false, accessKey: env.S3_ACCESS_KEY, secretKey: env.S3_SECRET_KEY, bucket: env.S3_BUCKET ?? 'imstack', region: env.S3_REGION ?? 'us-east-1' },
  };
}

const psql = (c: Ctx, sql: string): Promise<Exec> => dexec(name('postgres'), ['psql', '-v', 'ON_ERROR_STOP=1', '-q', '-U', 'postgres', '-d', 'imstack'], { env: c.pgEnv, input: sql });

async function seed(c: Ctx, mb: number): Promise<void> {
  // ~1 KiB of md5 text per row, as in the host bench: compressible like chat text, not trivially.
  const rows = Math.round((mb / 2) * 1024);
  await psql(c, `DROP TABLE IF EXISTS bench_rows;
CREATE TABLE bench_rows (id bigserial PRIMARY KEY, body text);
INSERT INTO bench_rows(body) SELECT string_agg(md5(g::text || '-' || i::text), ' ') FROM generate_series(1, ${rows}) g, generate_series(1, 30) i GROUP BY g;
VACUUM ANALYZE bench_rows;`);
  const s3 = s3Client(c.s3);
  const old: string[] = [];
  for await (const o of s3.listObjectsV2(c.s3.bucket, 'bench/', true) as AsyncIterable<{ name?: string }>) if (o.name) old.push(o.name);
  if (old.length) await s3.removeObjects(c.s3.bucket, old);
  const ks = createCipheriv('aes-256-ctr', Buffer.alloc(32, 7), Buffer.alloc(16));
  const n = Math.round(mb / 2);
  for (let i = 0; i < n; i += 4) {
    await Promise.all([0, 1, 2, 3].filter((j) => i + j < n).map((j) => {
      const body = ks.update(Buffer.alloc(1024 * 1024));
      return s3.putObject(c.s3.bucket, `bench/${i + j}.bin`, body, body.length, { 'Content-Type': 'image/jpeg' });
    }));
  }
}

interface SizeResult {
  row: Record<string, string>;
  steps: Record<string, number>;
  backupTimeline: [number, string][];
  restoreTimeline: [number, string][];
  rssBackup: number;
  rssRestore: number;
}

async function one(c: Ctx, mb: number): Promise<SizeResult> {
  const log = (m: string) => console.error(`[${mb} MB] ${m}`);
  // Earlier sizes' archives and baseline files would only eat disk.
  await dexec(name('backup'), ['sh', '-c', 'rm -f /backups/*.enc /backups/*.tar.gz /backups/*.json 2>/dev/null; true']);
  await dexec(name('postgres'), ['sh', '-c', 'rm -f /tmp/x.dump']);
  await dexec(name('minio'), ['sh', '-c', 'rm -f /tmp/objects.tar']);
  const t = Date.now();
  await seed(c, mb);
  log(`seeded in ${((Date.now() - t) / 1000).toFixed(1)} s; engine backup`);

  const engine = new RegExp('.');
  const b = await dexec(name('backup'), ['node', JOB_MAIN, '--json', 'backup'], { sample: new RssSampler([c.ids.backup], engine) });
  const res = b.out.split('\n').filter(Boolean).map((l) => { try { return JSON.parse(l) as { type: string; data?: { file?: string } }; } catch { return undefined; } }).find((e) => e?.type === 'result');
  const file = res?.data?.file?.split('/').pop();
  if (!file) throw new Error(`engine backup printed no result: ${b.out.slice(-1000)}`);
  log(`engine backup ${b.s.toFixed(1)} s (${file}); baseline backup`);

  const d = await dexec(name('postgres'), ['pg_dump', '-Fc', '-U', 'postgres', '-f', '/tmp/x.dump', 'imstack'], { env: c.pgEnv, sample: new RssSampler([c.ids.postgres], /^pg_dump$/) });
  const tr = await dexec(name('minio'), ['tar', '-cf', '/tmp/objects.tar', '-C', '/data', '.'], { sample: new RssSampler([c.ids.minio], /^tar$/) });
  log(`baseline backup ${(d.s + tr.s).toFixed(1)} s; engine restore`);

  const hooks: string[] = [];
  // --defer-safety as imctl runs it: the command returns once the restored data serves; the
  // job daemon writes the safety archive, and `recover` (which waits for it) times that part.
  const restore = (): Promise<Exec> =>
    dexec(name('backup'), ['node', JOB_MAIN, '--json', 'restore', file, '--hooks', 'stdio', '--defer-safety'], {
      sample: new RssSampler([c.ids.backup], engine),
      onLine: (l, send) => {
        if (!l.startsWith('{"type":"hook"')) return;
        hooks.push((JSON.parse(l) as { name: string }).name);
        send(JSON.stringify({ ok: true }));
      },
    });
  const safety = (): Promise<Exec> => dexec(name('backup'), ['node', JOB_MAIN, '--json', 'recover'], { sample: new RssSampler([c.ids.backup], engine) });
  // 1. As specified: the backup just taken, restored over the data it was taken from.
  const u = await restore();
  const us = await safety();
  log(`engine restore, unchanged data ${u.s.toFixed(1)} s + safety archive ${us.s.toFixed(1)} s; 5 % churn`);
  // 2. After a day of use: 5 % of rows edited; 5 % of objects deleted, 5 % overwritten, 5 % added.
  await psql(c, 'UPDATE bench_rows SET body = \'edited\' WHERE id % 20 = 0;');
  const s3c = s3Client(c.s3);
  const ks = createCipheriv('aes-256-ctr', Buffer.alloc(32, 9), Buffer.alloc(16));
  for (let i = 0; i < Math.round(mb / 2); i += 20) {
    await s3c.removeObject(c.s3.bucket, `bench/${i}.bin`);
    const body = ks.update(Buffer.alloc(1024 * 1024));
    await s3c.putObject(c.s3.bucket, `bench/${i + 1}.bin`, body, body.length, { 'Content-Type': 'image/jpeg' });
    await s3c.putObject(c.s3.bucket, `bench/new-${i}.bin`, body, body.length, { 'Content-Type': 'image/jpeg' });
  }
  const r = await restore();
  const rs = await safety();
  log(`engine restore after churn ${r.s.toFixed(1)} s + safety archive ${rs.s.toFixed(1)} s; disaster recovery`);
  // 3. Disaster recovery: an empty database and an empty bucket.
  await psql(c, 'DROP SCHEMA public CASCADE; CREATE SCHEMA public;');
  const all: string[] = [];
  for await (const o of s3c.listObjectsV2(c.s3.bucket, '', true) as AsyncIterable<{ name?: string }>) if (o.name) all.push(o.name);
  for (let i = 0; i < all.length; i += 500) await s3c.removeObjects(c.s3.bucket, all.slice(i, i + 500));
  const dr = await restore();
  const drs = await safety();
  log(`engine disaster-recovery restore ${dr.s.toFixed(1)} s + safety archive ${drs.s.toFixed(1)} s (hooks: ${hooks.join(', ') || 'none'}); baseline restore`);

  await psql(c, 'DROP DATABASE IF EXISTS base_restore;').then(() => psql(c, 'CREATE DATABASE base_restore;'));
  const pr = await dexec(name('postgres'), ['pg_restore', '-U', 'postgres', '-d', 'base_restore', '/tmp/x.dump'], { env: c.pgEnv, sample: new RssSampler([c.ids.postgres], /^pg_restore$/) });
  // s3rver reads every request from its files (no cache), so the store can stay up while
  // its data folder is emptied and untarred; stopping it would add container start time to
  // the baseline only.
  await dexec(name('minio'), ['sh', '-c', 'find /data -mindepth 1 -maxdepth 1 -exec rm -rf {} +']);
  const ut = await dexec(name('minio'), ['tar', '-xf', '/tmp/objects.tar', '-C', '/data'], { sample: new RssSampler([c.ids.minio], /^tar$/) });
  // The untarred store answers: the seeded objects are listed again.
  let count = 0;
  for await (const o of s3Client(c.s3).listObjectsV2(c.s3.bucket, 'bench/', true) as AsyncIterable<{ name?: string }>) if (o.name) count++;
  if (count !== Math.round(mb / 2)) throw new Error(`after the untar the store lists ${count} bench objects, expected ${Math.round(mb / 2)}`);
  await psql(c, 'DROP DATABASE IF EXISTS base_restore;');

  const bb = d.s + tr.s;
  const br = pr.s + ut.s;
  const baseRss = Math.max(d.rss.mb, tr.rss.mb, pr.rss.mb, ut.rss.mb);
  return {
    row: {
      size: `${mb} MB`,
      backup: `${b.s.toFixed(1)} s`, baseBackup: `${bb.toFixed(1)} s`, backupRatio: (b.s / bb).toFixed(2),
      baseRestore: `${br.toFixed(1)} s`,
      sameRestore: `${u.s.toFixed(1)} s`, sameRatio: (u.s / br).toFixed(2),
      churnRestore: `${r.s.toFixed(1)} s`, churnRatio: (r.s / br).toFixed(2),
      drRestore: `${dr.s.toFixed(1)} s`, drRatio: (dr.s / br).toFixed(2),
      safety: `${us.s.toFixed(1)} / ${rs.s.toFixed(1)} / ${drs.s.toFixed(1)} s`,
      rssBackup: `${b.rss.mb.toFixed(0)} MB (${b.rss.by})`, rssRestore: `${Math.max(u.rss.mb, us.rss.mb, r.rss.mb, rs.rss.mb, dr.rss.mb, drs.rss.mb).toFixed(0)} MB`,
      rssBaseline: `${baseRss.toFixed(0)} MB`,
    },
    steps: { 'pg_dump -Fc (postgres ctr)': d.s, 'tar /data (minio ctr)': tr.s, 'pg_restore (postgres ctr)': pr.s, 'untar /data (minio ctr)': ut.s },
    backupTimeline: b.timeline,
    restoreTimeline: [...u.timeline.map(([t, l]): [number, string] => [t, `unchanged: ${l}`]), ...r.timeline.map(([t, l]): [number, string] => [t, `churn: ${l}`]), ...dr.timeline.map(([t, l]): [number, string] => [t, `DR: ${l}`])],
    rssBackup: b.rss.mb,
    rssRestore: Math.max(u.rss.mb, us.rss.mb, r.rss.mb, rs.rss.mb, dr.rss.mb, drs.rss.mb),
  };
}

/** Inside the repo, so the live runner (forked with this cwd) resolves ts-node and @pulumi. */
function scratchProject(): string {
  const dir = join(__dirname, '.scratch', STACK);
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(REPO_ROOT, 'Pulumi.yaml'), join(dir, 'Pulumi.yaml'));
  copyFileSync(join(REPO_ROOT, 'Pulumi.dev.yaml'), join(dir, `Pulumi.${STACK}.yaml`));
  return dir;
}

const growth = (a: number, b: number): string => `${(((Math.max(a, b) / Math.min(a, b)) - 1) * 100).toFixed(1)}%`;

(async () => {
  const reason = await liveReady();
  if (reason) throw new Error(`the container bench needs the live layer: ${reason}`);
  const t = Date.now();
  // IMSTACK_BENCH_KEEP=1 leaves the stack up; IMSTACK_BENCH_REUSE=1 then measures on it again.
  const reuse = process.env.IMSTACK_BENCH_REUSE === '1' && (await docker.listContainers({ filters: { name: [name('backup')] } })).length > 0;
  try {
    if (!reuse) {
      const ports = await freeDevPorts();
      const live: LiveStack = await runStack({
        stack: STACK,
        projectDir: scratchProject(),
        program: join(REPO_ROOT, 'index.ts'),
        configOverrides: {
          ...minioEngineOverrides(), ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [`ports.${k}`, v])),
          publishServices: false, 'backup.encrypt': true, ...extraCaBuildArgs(),
        },
        log: (l) => console.error(`[${STACK}] ${l}`),
        timeoutMs: 15 * 60_000,
      });
      if (!live.ok) throw new Error(`stack ${STACK} did not come up:\n${live.errors.join('\n')}`);
      console.error(`[${STACK}] up in ${((Date.now() - t) / 1000).toFixed(0)} s`);
    }
    const c = await context();
    const results: SizeResult[] = [];
    for (const mb of [mbA, mbB]) results.push(await one(c, mb));
    for (const x of results) {
      for (const [what, tl] of [['backup', x.backupTimeline], ['restore', x.restoreTimeline]] as const) {
        console.log(`\n[${x.row.size}] engine ${what} timeline (s since the exec started)`);
        for (const [at, label] of tl) console.log(`  ${at.toFixed(2).padStart(7)}    ${label}`);
      }
      console.log(`\n[${x.row.size}] baseline steps`);
      for (const [k, s] of Object.entries(x.steps)) console.log(`  ${s.toFixed(2).padStart(7)} s  ${k}`);
    }
    console.table(results.map((x) => x.row));
    console.log(`peak RSS growth between sizes: backup ${growth(results[0].rssBackup, results[1].rssBackup)}, restore ${growth(results[0].rssRestore, results[1].rssRestore)}`);
  } finally {
    if (process.env.IMSTACK_BENCH_KEEP !== '1') {
      // By label, so a stack left by an earlier KEEP run goes too.
      const r = await teardownStack(docker, STACK, { purge: true });
      StackState.remove(stateFileFor(STACK));
      console.error(`[${STACK}] teardown removed ${r.containers.length} containers, ${r.networks.length} networks, ${r.volumes.length} volumes`);
    }
  }
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
