// The pre-flight (issue 10): before a restore touches anything, the target must be able to take
// the archive's objects. A store that does not answer, a missing bucket, or an identity that may
// not write there is refused here, naming the problem, instead of half-way through.
import { randomBytes } from 'crypto';
import { readArchive } from '../archive';
import { BackupContext, decryptionKeys } from '../context';
import { Component, HEADER_ENTRY, parseHeader } from '../manifest';
import { readBounded, S3Target, s3Client } from '../objects';
import { RestoreRefused } from './types';

/** Keys the pre-flight writes and removes again; no archive object is ever named so. */
export const PROBE_PREFIX = '.imstack-restore-probe/';

/** The components an archive's header lists; undefined when it cannot be read (the pass then refuses the archive, saying why). */
async function archiveComponents(ctx: BackupContext, path: string): Promise<readonly Component[] | undefined> {
  let components: readonly Component[] | undefined;
  const stop = new Error('header read');
  try {
    await readArchive(path, decryptionKeys(ctx), async (entry, stream) => {
      if (entry.name === HEADER_ENTRY && entry.size <= 64 * 1024) {
        components = parseHeader((await readBounded(stream, entry.size, HEADER_ENTRY)).toString('utf8'), ctx.stack).components;
      }
      throw stop;
    });
  } catch (e) {
    if (e !== stop) return undefined;
  }
  return components;
}

const reasonOf = (e: unknown): string => (e as { code?: string }).code || (e as Error).message;

/**
 * The bucket exists, and the job's identity may write and delete there: a probe object is put
 * and removed at once (S3 has no way to ask for a permission without using it).
 */
async function checkBucket(s3: S3Target): Promise<void> {
  const client = s3Client(s3);
  const nothing = 'nothing was changed';
  let exists: boolean;
  try {
    exists = await client.bucketExists(s3.bucket);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    if (/^E[A-Z_]+$/.test(code) || !code) {
      throw new RestoreRefused('store-unreachable', `the object store at ${s3.endPoint}:${s3.port} is unreachable (${reasonOf(e)}): start it (or fix objectStore's endpoint) before restoring; ${nothing}`);
    }
    throw new RestoreRefused('bucket-denied', `the object store refused to show bucket "${s3.bucket}" to the backup job (${code}): check the job's credentials and their access to that bucket; ${nothing}`);
  }
  if (!exists) throw new RestoreRefused('bucket-missing', `the object store has no bucket "${s3.bucket}": create it (or fix objectStore.bucket) before restoring; ${nothing}`);
  const probe = `${PROBE_PREFIX}${randomBytes(8).toString('hex')}`;
  try {
    await client.putObject(s3.bucket, probe, Buffer.alloc(0), 0);
  } catch (e) {
    throw new RestoreRefused('bucket-denied', `the backup job cannot write to bucket "${s3.bucket}" (${reasonOf(e)}): give its identity write access to that bucket before restoring; ${nothing}`);
  }
  try {
    await client.removeObject(s3.bucket, probe);
  } catch (e) {
    throw new RestoreRefused('bucket-denied', `the backup job cannot delete objects in bucket "${s3.bucket}" (${reasonOf(e)}), which a restore must: give its identity delete access before restoring; nothing else was changed (its probe "${probe}" may be left there)`);
  }
}

/**
 * Before the journal and before anything live is touched: when the archive has objects to
 * restore, the store must be reachable and the bucket there and writable, or the restore is
 * refused naming the problem. `--postgres-only` restores skip it.
 */
export async function checkTarget(ctx: BackupContext, path: string, wanted: readonly Component[]): Promise<void> {
  if (!wanted.includes('minio') || !ctx.s3) return; // no S3 target: refused after the pass, as before
  const components = await archiveComponents(ctx, path);
  if (components && !components.includes('minio')) return;
  await checkBucket(ctx.s3);
}
