// The S3 (MinIO) client and the start-up step that makes sure the bucket exists.
import * as Minio from 'minio';
import type { S3Config } from './config';
import { unavailable } from './errors';
import { isNetworkError } from './unreachable';

export function createObjectClient(s3: S3Config): Minio.Client {
  return new Minio.Client({
    endPoint: s3.endPoint,
    port: s3.port,
    useSSL: s3.useSSL,
    accessKey: s3.accessKey,
    secretKey: s3.secretKey,
    region: s3.region,
    pathStyle: true,
  });
}

export async function ensureBucket(client: Minio.Client, s3: S3Config): Promise<boolean> {
  if (await client.bucketExists(s3.bucket)) return false;
  try {
    await client.makeBucket(s3.bucket, s3.region);
  } catch (err) {
    // Another replica may have created it in the meantime.
    const code = (err as { code?: string }).code;
    if (code !== 'BucketAlreadyOwnedByYou' && code !== 'BucketAlreadyExists') throw err;
  }
  return true;
}

/** Runs an S3 call; an unreachable store is a 503 that names it (never mistaken for the database). */
export async function reachStorage<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (isNetworkError(err)) throw unavailable('object storage is unavailable, try again shortly');
    throw err;
  }
}
