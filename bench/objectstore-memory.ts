// Idle memory of the object-store container, as `docker stats` shows it (bench/docker-memory.ts):
// SeaweedFS (the real server, run as the program runs it) and the minio substitute (the live
// layer's s3rver-based image, `minio server /data`), both fresh on the bench's network, read at
// the same points: settled after start; during the same write burst through the S3 API (peak);
// 20 s after it; 3 min after it. `npm run bench:objectstore -- --memory-only` runs only this.
import { randomBytes } from 'crypto';
import Docker from 'dockerode';
import * as Minio from 'minio';
import { dockerClient } from '../test/live/engine/docker-client';
import { buildSubstituteImages, SUBSTITUTE_TAGS } from '../test/live/images/build';
import { until } from '../test/live/objectstore/gateway';
import { memoryMiB, Settled, settledMemoryMiB } from './docker-memory';
import { labelsFor, startBenchSeaweedfs } from './seaweedfs';

const SETTLE_MS = Number(process.env.BENCH_SETTLE_MS ?? 20000);
/**
 * The second read after the burst: past the Go runtime's forced GC (every 2 minutes) and its
 * scavenger returning the freed heap; before that, weed keeps the burst's buffers.
 */
const LONG_SETTLE_MS = Number(process.env.BENCH_LONG_SETTLE_MS ?? 180000);
/** The write burst: 100 × 1 MiB and 5 × 20 MiB, incompressible. */
const BURST: readonly [count: number, mb: number][] = [[100, 1], [5, 20]];
const BUCKET = 'imstack-bench';
const MINIO_PORT = 9000;

export interface MemoryRow {
  readonly store: string;
  readonly image: string;
  /** MiB: median (min–max) of 5 reads 1 s apart. */
  readonly afterStart: Settled;
  readonly peakDuringBurst: number;
  readonly afterBurst: Settled;
  readonly longAfterBurst: Settled;
  readonly burstSeconds: number;
}

export type MemoryReport = readonly MemoryRow[];

async function minioSubstitute(docker: Docker, prefix: string): Promise<{ container: Docker.Container; client: Minio.Client; image: string }> {
  let image = SUBSTITUTE_TAGS.minio;
  if (!(await docker.getImage(image).inspect().then(() => true, () => false))) image = (await buildSubstituteImages({ docker })).tags.minio;
  const volume = `${prefix}-minio`;
  await docker.createVolume({ Name: volume, Labels: labelsFor(prefix) });
  const c = await docker.createContainer({
    name: `${prefix}-minio`, Image: image, Cmd: ['minio', 'server', '/data', '--address', `:${MINIO_PORT}`], Labels: labelsFor(prefix),
    HostConfig: { NetworkMode: prefix, Mounts: [{ Type: 'volume', Source: volume, Target: '/data' }] },
  });
  await c.start();
  const ip = (await c.inspect()).NetworkSettings.Networks[prefix].IPAddress;
  await until('the minio substitute answers /minio/health/live', async () => {
    const r = await fetch(`http://${ip}:${MINIO_PORT}/minio/health/live`);
    if (r.status !== 200) throw new Error(`HTTP ${r.status}`);
  });
  // No credential files: the substitute's root is minioadmin, as MinIO's is (a throwaway, on the bench's network).
  const client = new Minio.Client({ endPoint: ip, port: MINIO_PORT, useSSL: false, pathStyle: true, region: 'us-east-1', accessKey: 'minioadmin', secretKey: 'minioadmin' });
  await client.makeBucket(BUCKET, 'us-east-1');
  return { container: c, client, image };
}

interface Subject {
  readonly store: string;
  readonly image: string;
  readonly c: Docker.Container;
  readonly client: Minio.Client;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Writes the burst, reading the container's memory every 500 ms; the peak and the seconds it took. */
async function burst(x: Subject): Promise<{ peak: number; seconds: number }> {
  let peak = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peak = Math.max(peak, await memoryMiB(x.c).catch(() => 0));
      await sleep(500);
    }
  })();
  const t = Date.now();
  for (const [count, mb] of BURST) {
    for (let i = 0; i < count; i++) {
      const body = randomBytes(mb * 1024 * 1024);
      await x.client.putObject(BUCKET, `burst/${mb}-${i}.bin`, body, body.length, { 'Content-Type': 'image/jpeg' });
    }
  }
  const seconds = (Date.now() - t) / 1000;
  sampling = false;
  await sampler;
  return { peak: Math.max(peak, await memoryMiB(x.c)), seconds };
}

/** Starts both stores on a network labelled for `prefix`; the caller removes it all with cleanup(prefix). */
export async function idleMemory(prefix: string, log: (l: string) => void): Promise<MemoryReport> {
  const docker = dockerClient();
  // startBenchSeaweedfs creates the network and its volume; the substitute joins that network.
  const sw = await startBenchSeaweedfs(prefix, BUCKET, log, docker);
  const mi = await minioSubstitute(docker, prefix);
  const subjects: Subject[] = [
    { store: 'seaweedfs', image: sw.image, c: sw.container, client: sw.client('admin') },
    { store: 'minio substitute (s3rver)', image: mi.image, c: mi.container, client: mi.client },
  ];
  const readAll = () => Promise.all(subjects.map((x) => settledMemoryMiB(x.c)));
  log(`[memory] settling ${SETTLE_MS / 1000} s after start`);
  await sleep(SETTLE_MS);
  const afterStart = await readAll();
  const bursts: { peak: number; seconds: number }[] = [];
  for (const x of subjects) {
    bursts.push(await burst(x));
    log(`[memory] ${x.store}: burst written in ${bursts[bursts.length - 1].seconds.toFixed(1)} s`);
  }
  const burstEnd = Date.now();
  log(`[memory] reading again ${SETTLE_MS / 1000} s and ${LONG_SETTLE_MS / 1000} s after the bursts`);
  await sleep(SETTLE_MS);
  const afterBurst = await readAll();
  await sleep(Math.max(0, burstEnd + LONG_SETTLE_MS - Date.now()));
  const longAfter = await readAll();
  return subjects.map((x, i) => ({
    store: x.store, image: x.image, afterStart: afterStart[i], peakDuringBurst: bursts[i].peak,
    afterBurst: afterBurst[i], longAfterBurst: longAfter[i], burstSeconds: bursts[i].seconds,
  }));
}

export function printMemory(rows: MemoryReport): void {
  const f = (m: Settled): string => `${m.median.toFixed(0)} (${m.min.toFixed(0)}–${m.max.toFixed(0)}; anon ${m.anon.toFixed(0)})`;
  const burstText = BURST.map(([n, mb]) => `${n} × ${mb} MiB`).join(' + ');
  console.log(`\nobject-store container memory, MiB: docker stats (usage minus inactive page cache), median (min–max) of 5 reads 1 s apart; anon: the processes' anonymous memory at the median read. Write burst ${burstText} through S3`);
  console.table(rows.map((r) => ({
    store: r.store, image: r.image, 'idle after start': f(r.afterStart), 'peak during burst': r.peakDuringBurst.toFixed(0),
    [`${SETTLE_MS / 1000} s after burst`]: f(r.afterBurst), [`${LONG_SETTLE_MS / 1000} s after burst`]: f(r.longAfterBurst), 'burst s': r.burstSeconds.toFixed(1),
  })));
  if (rows.length === 2) {
    const q = (k: 'afterStart' | 'afterBurst' | 'longAfterBurst'): string => (rows[0][k].median / rows[1][k].median).toFixed(2);
    console.log(`ratio ${rows[0].store} / ${rows[1].store}: after start ${q('afterStart')}, ${SETTLE_MS / 1000} s after burst ${q('afterBurst')}, ${LONG_SETTLE_MS / 1000} s after ${q('longAfterBurst')}, peak ${(rows[0].peakDuringBurst / rows[1].peakDuringBurst).toFixed(2)}`);
  }
}
