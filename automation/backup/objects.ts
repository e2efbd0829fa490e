// MinIO (S3) side of backup and restore. Objects go into the archive as `objects/<key>`
// entries whose pax header carries the object's metadata, so restore needs no lookaside
// index and memory does not grow with the number of objects being streamed.
import { createHash } from 'crypto';
import { Readable, Transform, TransformCallback } from 'stream';
import * as Minio from 'minio';

export interface S3Target {
  readonly endPoint: string;
  readonly port: number;
  readonly useSSL: boolean;
  readonly accessKey: string;
  readonly secretKey: string;
  readonly bucket: string;
  readonly region?: string;
}

/** Pax record that holds an object's metadata (content-type and x-amz-meta-* values). */
export const PAX_META = 'IMSTACK.s3meta';

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
  open(): Promise<Readable>;
}

/** Objects with their metadata, one at a time, ready to be streamed into the archive. */
export async function* objectsForArchive(client: Minio.Client, bucket: string): AsyncGenerator<ObjectForArchive> {
  for await (const o of listObjects(client, bucket)) {
    const stat = await client.statObject(bucket, o.key);
    const meta: Record<string, string> = {};
    for (const [k, v] of Object.entries(stat.metaData ?? {})) {
      if (v !== undefined && v !== null) meta[k.toLowerCase()] = String(v);
    }
    yield { key: o.key, size: stat.size, meta, open: () => client.getObject(bucket, o.key) };
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
export async function putObjectChecked(client: Minio.Client, bucket: string, key: string, size: number, body: Readable, meta: Record<string, string>): Promise<string> {
  const md5 = new Md5();
  const res = await client.putObject(bucket, key, body.pipe(md5), size, meta);
  const etag = (res.etag ?? '').replace(/"/g, '');
  if (!etag.includes('-') && etag && etag !== md5.hex()) {
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
