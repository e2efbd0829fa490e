// Idle memory of the object-store container, as `docker stats` shows it (bench/docker-memory.ts):
// SeaweedFS (the real server, run as the program runs it) and the minio substitute (the live
// layer's s3rver-based image, `minio server /data`), each fresh on the bench's network, with
// the same protocol: settle after start, read; the same write burst through the S3 API (peak
// read during it); settle, read again. `npm run bench:objectstore -- --memory-only` runs only this.
import { randomBytes } from 'crypto';
import Docker from 'dockerode';
import * as Minio from 'minio';
import { dockerClient } from '../test/live/engine/docker-client';
import { buildSubstituteImages, SUBSTITUTE_TAGS } from '../test/live/images/build';
import { until } from '../test/live/objectstore/gateway';
import { memoryMiB, Settled, settledMemoryMiB } from './docker-memory';
import { labelsFor, startBenchSeaweedfs } from './seaweedfs';

const SETTLE_MS = Number(process.env.BENCH_SETTLE_MS ?? 20000);
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

async function measure(store: string, image: string, c: Docker.Container, client: Minio.Client, log: (l: string) => void): Promise<MemoryRow> {
  log(`[memory] ${store}: settling ${SETTLE_MS / 1000} s after start`);
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  const afterStart = await settledMemoryMiB(c);
  let peak = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peak = Math.max(peak, await memoryMiB(c).catch(() => 0));
      await new Promise((r) => setTimeout(r, 500));
    }
  })();
  const t = Date.now();
  for (const [count, mb] of BURST) {
    for (let i = 0; i < count; i++) {
      const body = randomBytes(mb * 1024 * 1024);
      await client.putObject(BUCKET, `burst/${mb}-${i}.bin`, body, body.length, { 'Content-Type': 'image/jpeg' });
    }
  }
  const burstSeconds = (Date.now() - t) / 1000;
  sampling = false;
  await sampler;
  log(`[memory] ${store}: burst written in ${burstSeconds.toFixed(1)} s; settling ${SETTLE_MS / 1000} s`);
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  return { store, image, afterStart, peakDuringBurst: peak, afterBurst: await settledMemoryMiB(c), burstSeconds };
}

/** Starts both stores on a network labelled for `prefix`; the caller removes it all with cleanup(prefix). */
export async function idleMemory(prefix: string, log: (l: string) => void): Promise<MemoryReport> {
  const docker = dockerClient();
  // startBenchSeaweedfs creates the network and its volume; the substitute joins that network.
  const sw = await startBenchSeaweedfs(prefix, BUCKET, log, docker);
  const mi = await minioSubstitute(docker, prefix);
  return [
    await measure('seaweedfs', sw.image, sw.container, sw.client('admin'), log),
    await measure('minio substitute (s3rver)', mi.image, mi.container, mi.client, log),
  ];
}

export function printMemory(rows: MemoryReport): void {
  const f = (m: Settled): string => `${m.median.toFixed(0)} (${m.min.toFixed(0)}–${m.max.toFixed(0)})`;
  const burst = BURST.map(([n, mb]) => `${n} × ${mb} MiB`).join(' + ');
  console.log(`\nobject-store container memory, MiB (docker stats: usage minus inactive page cache; median (min–max) of 5 reads; anon: of that, the processes' anonymous memory), write burst ${burst}`);
  console.table(rows.map((r) => ({
    store: r.store, image: r.image, 'idle after start': f(r.afterStart), 'anon': r.afterStart.anon.toFixed(0),
    'peak during burst': r.peakDuringBurst.toFixed(0), 'idle after burst': f(r.afterBurst), 'anon ': r.afterBurst.anon.toFixed(0),
    'burst s': r.burstSeconds.toFixed(1),
  })));
  if (rows.length === 2) {
    console.log(`ratio seaweedfs / substitute: idle after start ${(rows[0].afterStart.median / rows[1].afterStart.median).toFixed(2)}, after burst ${(rows[0].afterBurst.median / rows[1].afterBurst.median).toFixed(2)}`);
  }
}
