// Off-site copy: the finished archive (already encrypted when a key is set) is uploaded to a
// second S3-compatible endpoint after the local backup succeeded.
import { createReadStream, promises as fsp } from 'fs';
import { basename } from 'path';
import { RemoteTarget } from './context';
import { ensureBucket, listObjects, s3Client } from './objects';
import { parseArchiveName } from './naming';
import { infoPath } from './store';

export interface RemoteArchive {
  readonly file: string;
  readonly key: string;
  readonly bytes: number;
  readonly createdAt: Date;
  readonly encrypted: boolean;
}

export async function uploadToRemote(remote: RemoteTarget, archivePath: string): Promise<{ key: string; bytes: number }> {
  const client = s3Client(remote);
  await ensureBucket(client, remote.bucket, remote.region);
  const file = basename(archivePath);
  const key = remote.prefix + file;
  const { size } = await fsp.stat(archivePath);
  await client.putObject(remote.bucket, key, createReadStream(archivePath), size, { 'Content-Type': 'application/octet-stream' });
  const info = await fsp.readFile(infoPath(archivePath)).catch(() => null);
  if (info) await client.putObject(remote.bucket, `${key}.info.json`, info, info.length, { 'Content-Type': 'application/json' });
  const stat = await client.statObject(remote.bucket, key);
  if (stat.size !== size) throw new Error(`remote copy of ${file} is ${stat.size} bytes, local is ${size}`);
  return { key, bytes: size };
}

export async function listRemote(remote: RemoteTarget, stack?: string): Promise<RemoteArchive[]> {
  const client = s3Client(remote);
  if (!(await client.bucketExists(remote.bucket))) return [];
  const out: RemoteArchive[] = [];
  for await (const o of listObjects(client, remote.bucket)) {
    if (!o.key.startsWith(remote.prefix)) continue;
    const n = parseArchiveName(o.key.slice(remote.prefix.length));
    if (!n || (stack && n.stack !== stack)) continue;
    out.push({ file: n.file, key: o.key, bytes: o.size, createdAt: n.createdAt, encrypted: n.encrypted });
  }
  return out.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
}

/** Fetches a remote archive into the backups volume (disaster recovery on a new host). */
export async function downloadFromRemote(remote: RemoteTarget, file: string, destPath: string): Promise<void> {
  const client = s3Client(remote);
  await client.fGetObject(remote.bucket, remote.prefix + file, destPath);
}
