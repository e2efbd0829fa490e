// npm run bench:backup [-- [--store seaweedfs|s3rver] [--containers] MB1 MB2]  (default seaweedfs, 100 and 50 MB):
// backup and restore wall time and peak RSS of the engine vs a baseline of plain pg_dump -Fc +
// tar / pg_restore + untar, at two data sizes (half rows, half objects). Not a timed test: it
// prints tables of ratios measured side by side in one run.
//
// Same environment for both sides: one throwaway PostgreSQL 15 cluster and one object store per
// size, the same rows and objects. The store is the default engine, the real SeaweedFS server in
// a container (bench/backup-store.ts), or s3rver in this process as the bench ran before. The
// baseline tars the store's own files (SeaweedFS's /data volume, s3rver's bucket folder) and
// untars them back; the engine has to go through the S3 API. Runs on the host with the host's
// PostgreSQL 15 binaries, not in the job container (see automation/backup/README.md, Benchmark).
//
// The engine's step breakdown comes from its --json phase events, timestamped as they arrive.
import { execFileSync, spawn } from 'child_process';
import { once } from 'events';
import { createCipheriv } from 'crypto';
import { mkdtempSync, readdirSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { createInterface } from 'readline';
import { Client } from 'pg';
import { s3Client } from '../automation/backup/objects';
import { PG_BIN_DIR, startCluster } from '../test/unit/backup/support/pg-cluster';
import { BenchStore, startStore, StoreKind, STORE_KINDS } from './backup-store';
import { cleanup, cleanupOnSignal, runPrefix } from './seaweedfs';

const argv = process.argv.slice(2);
const storeAt = argv.indexOf('--store');
const storeKind = (storeAt >= 0 ? argv[storeAt + 1] : 'seaweedfs') as StoreKind;
if (!STORE_KINDS.includes(storeKind)) throw new Error(`--store wants one of ${STORE_KINDS.join(', ')}, got "${storeKind}"`);
const sizes = argv.map(Number).filter((n) => n > 0);
const [mbA, mbB] = sizes.length >= 2 ? sizes : [100, 50];

interface Run {
  s: number;
  rssMb: number;
  /** [label, seconds] in the order the engine reported them; steps can overlap (see timeline). */
  steps: [string, number][];
  /** [seconds since start, label] of every phase event. */
  timeline: [number, string][];
}

// Async on purpose: s3rver runs in this process's event loop, so a blocking spawn would deadlock.
async function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  const t = Date.now();
  const child = spawn('/usr/bin/time', ['-f', '%M', cmd, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-8000)));
  // Each phase event closes the previous segment; progress events are ignored.
  const steps: [string, number][] = [];
  const timeline: [number, string][] = [];
  let label = 'start';
  let since = t;
  const lines = createInterface({ input: child.stdout });
  lines.on('line', (line) => {
    let e: { type?: string; phase?: string; detail?: string };
    try {
      e = JSON.parse(line) as typeof e;
    } catch {
      return;
    }
    if (e.type !== 'phase' && e.type !== 'result' && e.type !== 'error') return;
    const now = Date.now();
    steps.push([label, (now - since) / 1000]);
    label = e.type === 'phase' ? `${e.phase}: ${e.detail ?? ''}` : e.type;
    timeline.push([(now - t) / 1000, label]);
    since = now;
  });
  const [code] = (await once(child, 'close')) as [number];
  steps.push([label, (Date.now() - since) / 1000]);
  if (code !== 0) throw new Error(`${cmd} failed: ${err}`);
  const tail = err.trim().split('\n');
  return { s: (Date.now() - t) / 1000, rssMb: Number(tail[tail.length - 1]) / 1024, steps: steps.filter(([, s]) => s >= 0.05), timeline };
}

interface SizeResult {
  row: Record<string, string>;
  backupSteps: [string, number][];
  restoreSteps: [string, number][];
  restoreTimeline: [number, string][];
  baseline: Record<string, number>;
  rssRestore: number;
  rssBackup: number;
  safetySteps: [string, number][];
  sameSteps: [string, number][];
  drSteps: [string, number][];
}

let runs = 0;

async function one(mb: number): Promise<SizeResult> {
  const pg = await startCluster();
  const prefix = runPrefix('backup');
  const dirs: string[] = [];
  let store: BenchStore | undefined;
  const unhook = cleanupOnSignal([prefix], async () => pg.stop());
  try {
    store = await startStore(storeKind, 'imstack', prefix, (l) => console.error(`[${mb} MB] ${l}`));
    const target = store.target;
    const conn = { host: pg.host, port: pg.port, user: pg.user, password: pg.password, database: `imstack${++runs}` };
    const admin = new Client({ host: conn.host, port: conn.port, user: conn.user, password: conn.password, database: 'postgres' });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${conn.database}`);
    await admin.end();
    const c = new Client({ host: conn.host, port: conn.port, user: conn.user, password: conn.password, database: conn.database });
    await c.connect();
    await c.query('CREATE TABLE messages (id bigserial PRIMARY KEY, body text)');
    // ~1 KiB of md5 text per row: compressible like real chat text, but not trivially.
    const rows = Math.round((mb / 2) * 1024);
    await c.query(`INSERT INTO messages(body) SELECT string_agg(md5(g::text || '-' || i::text), ' ') FROM generate_series(1, $1) g, generate_series(1, 30) i GROUP BY g`, [rows]);
    await c.query('VACUUM ANALYZE messages');
    await c.end();
    const s3 = s3Client(target);
    const ks = createCipheriv('aes-256-ctr', Buffer.alloc(32, 7), Buffer.alloc(16));
    const objMb = Math.round(mb / 2);
    for (let i = 0; i < objMb; i++) {
      const body = ks.update(Buffer.alloc(1024 * 1024));
      await s3.putObject(target.bucket, `uploads/${i}.bin`, body, body.length, { 'Content-Type': 'image/jpeg' });
    }
    const backupDir = mkdtempSync(join(tmpdir(), 'imstack-backups-'));
    dirs.push(backupDir);
    const childEnv = {
      ...process.env,
      STACK: 'bench', BACKUP_DIR: backupDir, BACKUP_KEY: 'bench-key',
      PGHOST: conn.host, PGPORT: String(conn.port), PGUSER: conn.user, PGPASSWORD: conn.password, PGDATABASE: conn.database, PG_BIN_DIR,
      S3_ENDPOINT: target.endPoint, S3_PORT: String(target.port), S3_ACCESS_KEY: target.accessKey, S3_SECRET_KEY: target.secretKey,
      S3_BUCKET: target.bucket, S3_REGION: target.region ?? 'us-east-1',
    };
    // The compiled code, as in the job image (ts-node alone would add ~150 MB and 1.5 s).
    const main = join(__dirname, '..', 'automation', 'backup', 'dist', 'main.js');
    const node = (args: string[]): Promise<Run> => timed(process.execPath, [main, ...args], childEnv);
    console.error(`[${mb} MB] seeded; backing up`);
    const b = await node(['--json', 'backup', 'all']);
    console.error(`[${mb} MB] backup ${b.s}s; restoring`);
    const file = readdirSync(backupDir).find((f) => f.endsWith('.enc')) as string;
    // As specified: restore the backup just taken, over the data it was taken from.
    const u = await node(['--json', 'restore', file, '--defer-safety']);
    const us = await node(['--json', 'recover']);
    console.error(`[${mb} MB] unchanged restore ${u.s}s + safety archive ${us.s}s; mutating`);
    // Rollback: the usual restore, over the data the backup was taken from after a day of use
    // (5 % of rows edited; 5 % of objects overwritten, 5 % deleted, 5 % added).
    const m = new Client({ host: conn.host, port: conn.port, user: conn.user, password: conn.password, database: conn.database });
    await m.connect();
    await m.query(`UPDATE messages SET body = 'edited' WHERE id % 20 = 0`);
    await m.end();
    for (let i = 0; i < objMb; i += 20) {
      await s3.removeObject(target.bucket, `uploads/${i}.bin`);
      const body = ks.update(Buffer.alloc(1024 * 1024));
      await s3.putObject(target.bucket, `uploads/${i + 1}.bin`, body, body.length, { 'Content-Type': 'image/jpeg' });
      await s3.putObject(target.bucket, `uploads/new-${i}.bin`, body, body.length, { 'Content-Type': 'image/jpeg' });
    }
    console.error(`[${mb} MB] mutated; restoring`);
    const r = await node(['--json', 'restore', file, '--defer-safety']);
    const rs = await node(['--json', 'recover']);
    console.error(`[${mb} MB] restore ${r.s}s + safety archive ${rs.s}s; disaster recovery`);
    // Disaster recovery: an empty database and an empty bucket (a new stack) get everything.
    const e = new Client({ host: conn.host, port: conn.port, user: conn.user, password: conn.password, database: conn.database });
    await e.connect();
    await e.query('DROP SCHEMA public CASCADE');
    await e.query('CREATE SCHEMA public');
    await e.end();
    const all: string[] = [];
    for await (const o of s3.listObjectsV2(target.bucket, '', true) as AsyncIterable<{ name?: string }>) if (o.name) all.push(o.name);
    await s3.removeObjects(target.bucket, all);
    const dr = await node(['--json', 'restore', file, '--defer-safety']);
    const drs = await node(['--json', 'recover']);
    console.error(`[${mb} MB] disaster recovery ${dr.s}s + safety archive ${drs.s}s; baseline`);

    // Baseline: the same data with plain tools, against the same cluster and object store.
    const base = mkdtempSync(join(tmpdir(), 'imstack-bench-'));
    dirs.push(base);
    const pgEnv = { ...process.env, PGHOST: conn.host, PGPORT: String(conn.port), PGUSER: conn.user, PGPASSWORD: conn.password, PGDATABASE: conn.database };
    const plain = (cmd: string, args: string[]): Promise<Run> => timed(cmd, args, pgEnv);
    const d = await plain(join(PG_BIN_DIR, 'pg_dump'), ['-Fc', '-f', join(base, 'db.dump')]);
    const t = await store.tar(join(base, 'objects.tar'), plain);
    execFileSync(join(PG_BIN_DIR, 'createdb'), ['base_restore'], { env: pgEnv });
    const pr = await plain(join(PG_BIN_DIR, 'pg_restore'), ['-d', 'base_restore', join(base, 'db.dump')]);
    // Into the emptied store files, as a restore of a volume would.
    const ut = await store.untar(join(base, 'objects.tar'), plain);
    // The untarred store answers: every object the backup held is listed again.
    let listed = 0;
    for await (const o of s3.listObjectsV2(target.bucket, '', true) as AsyncIterable<{ name?: string }>) if (o.name) listed++;
    if (listed !== objMb) throw new Error(`after the untar the store lists ${listed} objects, expected ${objMb}`);
    const bb = d.s + t.s;
    const br = pr.s + ut.untar.s;
    const restartS = t.stopS + t.startS + ut.stopS + ut.startS;
    return {
      row: {
        size: `${mb} MB`,
        backup: `${b.s.toFixed(1)} s`, baseBackup: `${bb.toFixed(1)} s`, backupRatio: (b.s / bb).toFixed(2),
        baseRestore: `${br.toFixed(1)} s`,
        // A volume copy needs the server stopped and started again: shown, and the restore ratios
        // against it, but the ratios above leave it out (the cheapest possible baseline).
        ...(storeKind === 'seaweedfs' ? {
          'stop+start (tar / untar)': `${t.stopS.toFixed(1)}+${t.startS.toFixed(1)} / ${ut.stopS.toFixed(1)}+${ut.startS.toFixed(1)} s`,
          'ratios incl. restart (same/churn/DR)': [u.s, r.s, dr.s].map((x) => (x / (br + ut.stopS + ut.startS)).toFixed(2)).join(' / '),
        } : {}),
        sameRestore: `${u.s.toFixed(1)} s`, sameRatio: (u.s / br).toFixed(2),
        restore: `${r.s.toFixed(1)} s`, restoreRatio: (r.s / br).toFixed(2), thenSafety: `${rs.s.toFixed(1)} s`,
        drRestore: `${dr.s.toFixed(1)} s`, drRatio: (dr.s / br).toFixed(2), drThenSafety: `${drs.s.toFixed(1)} s`,
        rssBackup: `${b.rssMb.toFixed(0)} MB`, rssRestore: `${Math.max(u.rssMb, us.rssMb, r.rssMb, rs.rssMb, dr.rssMb, drs.rssMb).toFixed(0)} MB`,
        rssBaseline: `${Math.max(d.rssMb, t.rssMb, pr.rssMb, ut.untar.rssMb).toFixed(0)} MB`,
      },
      backupSteps: b.steps,
      restoreSteps: r.steps,
      restoreTimeline: r.timeline,
      baseline: { 'pg_dump -Fc': d.s, 'tar objects': t.s, pg_restore: pr.s, 'untar objects': ut.untar.s, ...(restartS ? { '(store stops and starts around the tars, not counted)': restartS } : {}) },
      rssBackup: b.rssMb,
      rssRestore: Math.max(u.rssMb, us.rssMb, r.rssMb, rs.rssMb, dr.rssMb, drs.rssMb),
      sameSteps: u.steps,
      safetySteps: rs.steps,
      drSteps: dr.steps,
    };
  } finally {
    await store?.stop().catch((e: Error) => console.error(`[${mb} MB] store cleanup: ${e.message}`));
    await cleanup(prefix).catch(() => undefined);
    pg.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    unhook();
  }
}

function printSteps(title: string, steps: [string, number][]): void {
  console.log(title);
  for (const [label, s] of steps) console.log(`  ${s.toFixed(2).padStart(7)} s  ${label}`);
}

const growth = (a: number, b: number): string => `${(((Math.max(a, b) / Math.min(a, b)) - 1) * 100).toFixed(1)}%`;

(async () => {
  // `npm run bench:backup -- --containers 500 250`: the same comparison inside the stack's containers
  // (a minio-engine stack: its tar baseline runs in the minio substitute's container).
  if (process.argv.includes('--containers')) {
    await import('./backup-containers');
    return;
  }
  execFileSync(process.execPath, [join(__dirname, '..', 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(__dirname, '..', 'automation', 'backup', 'tsconfig.build.json')], { stdio: 'inherit' });
  console.error(`object store: ${storeKind}; sizes ${mbA} and ${mbB} MB`);
  const results = [await one(mbA), await one(mbB)];
  for (const x of results) {
    printSteps(`\n[${x.row.size}] backup steps`, x.backupSteps);
    printSteps(`[${x.row.size}] unchanged-data restore steps`, x.sameSteps);
    printSteps(`[${x.row.size}] restore after 5 % churn, steps (wall time between consecutive events)`, x.restoreSteps);
    console.log(`[${x.row.size}] restore timeline (s since start)`);
    for (const [at, label] of x.restoreTimeline) console.log(`  ${at.toFixed(2).padStart(7)}    ${label}`);
    printSteps(`[${x.row.size}] then the safety archive (recover)`, x.safetySteps);
    printSteps(`[${x.row.size}] disaster recovery restore steps`, x.drSteps);
    printSteps(`[${x.row.size}] baseline`, Object.entries(x.baseline));
  }
  console.log(`\nobject store: ${storeKind}`);
  console.table(results.map((x) => x.row));
  console.log(`peak RSS growth between sizes: backup ${growth(results[0].rssBackup, results[1].rssBackup)}, restore ${growth(results[0].rssRestore, results[1].rssRestore)}`);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
