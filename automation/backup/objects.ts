// MinIO (S3) side of backup and restore. Objects go into the archive as `objects/<key>`
// entries whose pax header carries the object's metadata, so restore needs no lookaside
// index and memory does not grow with the number of objects being streamed.
import { createHash } from 'crypto';
import { Readable, Transform, TransformCallback } from 'stream';
import * as Minio from 'minio';
import type { S3Settings } from './contract';

/** An S3 bucket the job reads or writes: the contract's settings, the region optional for off-site targets. */
export type S3Target = Omit<S3Settings, 'region'> & { readonly region?: string };

/** Pax record that holds an object's metadata (content-type and x-amz-meta-* values). */
export const PAX_META = 'IMSTACK.s3meta';
/**
 * Pax record with the ETag the store sent with the archived bytes (the GET response's own,
 * so it names exactly those bytes). A restore that finds the same ETag and size in the
 * bucket knows the content is equal without hashing it; any rewrite with other content
 * changes the ETag, whether it is an MD5, a multipart or an encrypted store's ETag.
 */
export const PAX_ETAG = 'IMSTACK.etag';

export function s3Client(t: S3Target): Minio.Client {
  // The smallest part size S3 allows: the client buffers up to one part in memory, and the
  // default (64 MiB) would let memory grow with object size.
  return new Minio.Client({ endPoint: t.endPoint, port: t.port, useSSL: t.useSSL, accessKey: t.accessKey, secretKey: t.secretKey, region: t.region ?? 'us-east-1', partSize: 5 * 1024 * 1024, pathStyle: true });
}

export interface ObjectInfo {
  readonly key: string;
  readonly size: number;
  readonly etag: string;
}

export async function* listObjects(client: Minio.Client, bucket: string): AsyncGenerator<ObjectInfo> {
  const stream = client.listObjectsV2(bucket, '', true);
  for await (const o of stream as AsyncIterable<Minio.BucketItem>) {
    if (!o.name) continue;
    yield { key: o.name, size: o.size, etag: (o.etag ?? '').replace(/"/g, '') };
  }
}

export interface ObjectForArchive {
  readonly key: string;
  readonly size: number;
  readonly meta: Record<string, string>;
  /** The content, and the ETag the store sent with it. */
  open(): Promise<{ body: Readable; etag: string }>;
}

function etagOf(res: Readable): string {
  const h = (res as Readable & { headers?: Record<string, string | string[] | undefined> }).headers?.etag;
  return (Array.isArray(h) ? h[0] : h ?? '').replace(/"/g, '');
}

/** How many objects move at once and how many bytes they may hold in memory together. */
export interface Concurrency {
  readonly parallel: number;
  readonly bufferBytes: number;
}

// 4 in flight hides the per-object round trips (stat, get/put) without swamping MinIO;
// 16 MiB keeps the job well under its memory target whatever the data size.
export const DEFAULT_CONCURRENCY: Concurrency = { parallel: 4, bufferBytes: 16 * 1024 * 1024 };

/** Reads a stream into memory, refusing more than `max` bytes. */
export async function readBounded(s: Readable, max: number, what: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const c of s) {
    n += (c as Buffer).length;
    if (n > max) {
      s.destroy();
      throw new Error(`${what} is larger than expected (changed while being read?)`);
    }
    parts.push(c as Buffer);
  }
  return Buffer.concat(parts, n);
}

export async function metaOf(client: Minio.Client, bucket: string, key: string): Promise<{ size: number; etag: string; meta: Record<string, string> }> {
  const stat = await client.statObject(bucket, key);
  const meta: Record<string, string> = {};
  for (const [k, v] of Object.entries(stat.metaData ?? {})) {
    if (v !== undefined && v !== null) meta[k.toLowerCase()] = String(v);
  }
  return { size: stat.size, etag: (stat.etag ?? '').replace(/"/g, ''), meta };
}

/**
 * Objects with their metadata, in listing order (or the order of `only`), ready to be streamed into the archive.
 * Up to `parallel` small objects (each at most bufferBytes/parallel) are fetched ahead into
 * memory while the archive is being written; bigger ones are streamed when their turn comes.
 */
export async function* objectsForArchive(client: Minio.Client, bucket: string, c: Concurrency = DEFAULT_CONCURRENCY, only?: Iterable<string>): AsyncGenerator<ObjectForArchive> {
  const small = Math.floor(c.bufferBytes / c.parallel);
  const fetchOne = async (key: string): Promise<ObjectForArchive> => {
    const { size, meta } = await metaOf(client, bucket, key);
    const get = async (): Promise<{ body: Readable; etag: string }> => {
      const res = await client.getObject(bucket, key);
      return { body: res, etag: etagOf(res) };
    };
    if (size > small) return { key, size, meta, open: get };
    const { body: res, etag } = await get();
    const body = await readBounded(res, size, `object "${key}"`);
    return { key, size, meta, open: async () => ({ body: Readable.from([body]), etag }) };
  };
  async function* keys(): AsyncGenerator<string> {
    if (only) yield* only;
    else for await (const o of listObjects(client, bucket)) yield o.key;
  }
  const ahead: Promise<ObjectForArchive>[] = [];
  try {
    for await (const key of keys()) {
      const p = fetchOne(key);
      p.catch(() => undefined); // surfaces when its turn comes
      ahead.push(p);
      if (ahead.length >= c.parallel) yield await (ahead.shift() as Promise<ObjectForArchive>);
    }
    while (ahead.length) yield await (ahead.shift() as Promise<ObjectForArchive>);
  } finally {
    // Abandoned early (error downstream): let the fetches finish before anyone moves on.
    await Promise.allSettled(ahead);
  }
}

/**
 * Runs tasks with at most `parallel` in flight and at most `bufferBytes` held by them.
 * The first failure is kept and rethrown by the next add() or by drain(); settle() waits
 * for everything in flight whatever happened, so no task outlives its caller.
 */
export class BoundedTasks {
  private readonly running = new Set<Promise<void>>();
  private held = 0;
  private failure: Error | undefined;
  constructor(private readonly c: Concurrency = DEFAULT_CONCURRENCY) {}

  /** Largest size a caller should buffer in memory for one task. */
  get maxBuffered(): number {
    return Math.floor(this.c.bufferBytes / this.c.parallel);
  }

  async add(bytes: number, task: () => Promise<void>): Promise<void> {
    while (this.running.size > 0 && (this.running.size >= this.c.parallel || this.held + bytes > this.c.bufferBytes)) {
      await Promise.race(this.running);
    }
    if (this.failure) throw this.failure;
    this.held += bytes;
    const p: Promise<void> = task()
      .catch((e: Error) => {
        this.failure ??= e;
      })
      .finally(() => {
        this.held -= bytes;
        this.running.delete(p);
      });
    this.running.add(p);
  }

  async drain(): Promise<void> {
    await this.settle();
    if (this.failure) throw this.failure;
  }

  async settle(): Promise<void> {
    while (this.running.size) await Promise.allSettled([...this.running]);
  }
}

class Md5 extends Transform {
  private readonly h = createHash('md5');
  _transform(c: Buffer, _e: BufferEncoding, cb: TransformCallback): void {
    this.h.update(c);
    cb(null, c);
  }
  hex(): string {
    return this.h.digest('hex');
  }
}

/** Uploads one object and checks the server's ETag against our MD5 where S3 defines it (single part). */
export async function putObjectChecked(client: Minio.Client, bucket: string, key: string, size: number, body: Readable | Buffer, meta: Record<string, string>): Promise<string> {
  let res: { etag?: string };
  let md5hex: () => string;
  if (Buffer.isBuffer(body)) {
    if (body.length !== size) throw new Error(`object "${key}" has ${body.length} bytes, expected ${size}`);
    const digest = createHash('md5').update(body).digest('hex');
    md5hex = () => digest;
    res = await client.putObject(bucket, key, body, size, meta);
  } else {
    const md5 = new Md5();
    md5hex = () => md5.hex();
    res = await client.putObject(bucket, key, body.pipe(md5), size, meta);
  }
  const etag = (res.etag ?? '').replace(/"/g, '');
  if (!etag.includes('-') && etag && etag !== md5hex()) {
    throw new Error(`object "${key}" was stored with a different checksum than sent (etag ${etag})`);
  }
  return etag;
}

export async function ensureBucket(client: Minio.Client, bucket: string, region = 'us-east-1'): Promise<void> {
  if (!(await client.bucketExists(bucket))) await client.makeBucket(bucket, region);
}

/** Removes every object whose key is not in `keep`; returns how many were removed. */
export async function removeOthers(client: Minio.Client, bucket: string, keep: ReadonlySet<string>): Promise<number> {
  let batch: string[] = [];
  let removed = 0;
  for await (const o of listObjects(client, bucket)) {
    if (keep.has(o.key)) continue;
    batch.push(o.key);
    if (batch.length >= 500) {
      await client.removeObjects(bucket, batch);
      removed += batch.length;
      batch = [];
    }
  }
  if (batch.length) {
    await client.removeObjects(bucket, batch);
    removed += batch.length;
  }
  return removed;
}
