// npm run bench:objectstore [-- --rounds N (9)] [--sizes 1,20] [--no-memory | --memory-only]
// Upload and download MB/s through the backend (apps/backend's real server, started as its test
// harness starts it), SeaweedFS (the default engine: the real server in a container, reached by
// its IP) against the minio substitute (s3rver in this process, as the harness runs it), side
// by side in one run: two backends, one per store, over the same PostgreSQL and Redis, their
// rounds interleaved (A B, B A, ...) so the machine's noise hits both. Then the object-store
// containers' idle memory (bench/objectstore-memory.ts). Not a test: it prints medians, spreads
// and ratios; absolute figures depend on the machine.
import { randomBytes } from 'crypto';
import { performance } from 'perf_hooks';
import { loadConfig } from '../apps/backend/src/config';
import { createServer } from '../apps/backend/src/server';
import { api, baseEnv, groupWith, register } from '../apps/backend/test/support/harness';
import { missingBinaries, startPostgres, startRedis, startS3 } from '../apps/backend/test/support/services';
import type { SharedServices } from '../apps/backend/test/support/shared';
import { memoryNow } from './docker-memory';
import { idleMemory, MemoryReport, printMemory } from './objectstore-memory';
import { cleanup, cleanupOnSignal, runPrefix, startBenchSeaweedfs } from './seaweedfs';

const argv = process.argv.slice(2);
const opt = (name: string, d: string): string => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : d);
const ROUNDS = Number(opt('--rounds', '9'));
const SIZES_MB = opt('--sizes', '1,20').split(',').map(Number).filter((n) => n > 0);
/** Files per round and store: about 20 MB moved each way per round at either size, at least 2 files. */
const filesPerRound = (mb: number): number => Math.max(2, Math.round(20 / mb));
const BUCKET = 'imstack-bench';

interface Store {
  readonly name: string;
  readonly base: string;
  readonly token: string;
  readonly conv: string;
  close(): Promise<void>;
}

async function backendOn(name: string, services: SharedServices, overrides: Record<string, string>): Promise<Store> {
  const maxMb = String(Math.max(...SIZES_MB) + 1);
  const server = await createServer(loadConfig(baseEnv(services, { LOG_LEVEL: 'silent', UPLOAD_MAX_MB: maxMb, S3_BUCKET: BUCKET, ...overrides })), { logger: false });
  const base = await server.app.listen({ port: 0, host: '127.0.0.1' });
  const alice = await register(base);
  const bob = await register(base);
  return { name, base, token: alice.accessToken, conv: await groupWith(base, alice, [bob], 'bench'), close: () => server.close() };
}

async function upload(s: Store, body: Buffer): Promise<string> {
  const form = new FormData();
  form.append('file', new Blob([body], { type: 'image/jpeg' }), 'bench.jpg');
  const r = await api<{ id: string }>(s.base, 'POST', `/api/conversations/${s.conv}/files`, { token: s.token, body: form });
  if (r.status !== 201) throw new Error(`${s.name}: upload ${r.status} ${r.text.slice(0, 300)}`);
  return r.body.id;
}

async function download(s: Store, id: string, size: number): Promise<void> {
  const r = await fetch(`${s.base}/api/files/${id}`, { headers: { authorization: `Bearer ${s.token}` } });
  if (r.status !== 200) throw new Error(`${s.name}: download ${r.status} ${await r.text()}`);
  const got = (await r.arrayBuffer()).byteLength;
  if (got !== size) throw new Error(`${s.name}: downloaded ${got} bytes of ${size}`);
}

/** MB/s (MiB) of one round: `n` files one after the other, each way. */
async function round(s: Store, mb: number, n: number): Promise<{ up: number; down: number }> {
  const size = mb * 1024 * 1024;
  const bodies = Array.from({ length: n }, () => randomBytes(size));
  let t = performance.now();
  const ids: string[] = [];
  for (const b of bodies) ids.push(await upload(s, b));
  const up = (n * mb) / ((performance.now() - t) / 1000);
  t = performance.now();
  for (const id of ids) await download(s, id, size);
  return { up, down: (n * mb) / ((performance.now() - t) / 1000) };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const spread = (xs: number[]): string => `${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)}`;

async function main(): Promise<void> {
  const missing = missingBinaries();
  if (missing) throw new Error(`bench needs local services: ${missing}`);
  const memOnly = argv.includes('--memory-only');
  const withMemory = !argv.includes('--no-memory');
  const prefix = runPrefix('objectstore');
  const memPrefix = runPrefix('objmem');
  const unhook = cleanupOnSignal([prefix, memPrefix]);
  let memory: MemoryReport | undefined;
  const closers: (() => Promise<unknown>)[] = [];
  try {
    if (!memOnly) {
      console.error(`throughput: ${ROUNDS} rounds per size and store, sizes ${SIZES_MB.join(', ')} MB`);
      const [pg, redis, s3] = await Promise.all([startPostgres(), startRedis(), startS3()]);
      closers.push(() => pg.stop(), () => redis.stop(), () => s3.stop());
      const sw = await startBenchSeaweedfs(prefix, BUCKET, (l) => console.error(l));
      const swIdle = await memoryNow(sw.container);
      const [dbA, dbB] = [await pg.createDatabase('bench_s3rver'), await pg.createDatabase('bench_seaweedfs')];
      // The app identity, as the stack gives the backend; the bucket was made by the admin.
      const swS3 = { port: sw.port, accessKey: sw.app.accessKey, secretKey: sw.app.secretKey, stop: async () => undefined };
      const stores = [
        await backendOn('s3rver (minio substitute)', { pg, redis, s3, databaseUrl: dbA }, {}),
        await backendOn('seaweedfs', { pg, redis, s3: swS3, databaseUrl: dbB }, { S3_ENDPOINT: sw.ip }),
      ];
      for (const s of stores) closers.unshift(() => s.close());
      const results: Record<string, { up: number[]; down: number[] }> = {};
      for (const mb of SIZES_MB) {
        for (const s of stores) await round(s, mb, 1); // warm-up: connections, JIT, first volume
        for (let i = 0; i < ROUNDS; i++) {
          for (const s of i % 2 ? [...stores].reverse() : stores) {
            const r = await round(s, mb, filesPerRound(mb));
            const k = `${mb} MB|${s.name}`;
            results[k] ??= { up: [], down: [] };
            results[k].up.push(r.up);
            results[k].down.push(r.down);
            console.error(`[${mb} MB] round ${i + 1} ${s.name}: up ${r.up.toFixed(1)} MB/s, down ${r.down.toFixed(1)} MB/s`);
          }
        }
      }
      const after = await memoryNow(sw.container);
      console.log(`\nthroughput through the backend, MB/s (MiB/s): median and min–max of ${ROUNDS} rounds of ${SIZES_MB.map((mb) => `${filesPerRound(mb)} × ${mb} MB`).join(' / ')}, files one after the other`);
      const rows = SIZES_MB.flatMap((mb) => (['up', 'down'] as const).map((dir) => {
        const a = results[`${mb} MB|${stores[0].name}`][dir];
        const b = results[`${mb} MB|${stores[1].name}`][dir];
        return {
          file: `${mb} MB`, direction: dir === 'up' ? 'upload' : 'download',
          's3rver median': median(a).toFixed(1), 's3rver spread': spread(a),
          'seaweedfs median': median(b).toFixed(1), 'seaweedfs spread': spread(b),
          'seaweedfs / s3rver': (median(b) / median(a)).toFixed(2),
          // Each round's two stores ran back to back, so their ratio shares that moment's noise.
          'paired ratio median (min–max)': ((r: number[]) => `${median(r).toFixed(2)} (${Math.min(...r).toFixed(2)}–${Math.max(...r).toFixed(2)})`)(b.map((x, i) => x / a[i])),
        };
      }));
      console.table(rows);
      console.log(`seaweedfs container memory (docker stats; anonymous): ${swIdle.used.toFixed(0)}; ${swIdle.anon.toFixed(0)} MiB right after start, ${after.used.toFixed(0)}; ${after.anon.toFixed(0)} MiB right after the rounds`);
      await cleanup(prefix);
    }
    if (withMemory || memOnly) memory = await idleMemory(memPrefix, (l) => console.error(l));
    if (memory) printMemory(memory);
  } finally {
    for (const c of closers) await c().catch(() => undefined);
    const r = await Promise.all([cleanup(prefix), cleanup(memPrefix)]);
    console.error(`cleanup: ${r.reduce((n, x) => n + x.containers, 0)} containers, ${r.reduce((n, x) => n + x.networks, 0)} networks, ${r.reduce((n, x) => n + x.volumes, 0)} volumes removed`);
    unhook();
  }
}

main().catch((err) => {
  console.error(`bench failed: ${(err as Error).stack ?? err}`);
  process.exit(1);
});
