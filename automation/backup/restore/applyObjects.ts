// Making the bucket hold exactly a given set of objects: the restore's upload, and the rollback
// that puts the saved copies back.
import { Readable } from 'stream';
import { BackupContext, Progress } from '../context';
import { BoundedTasks, listObjects, PAX_META, putObjectChecked, readBounded, removeOthers, s3Client } from '../objects';
import { readObjectsFrom } from '../safety';

/** Hands each object to upload to `take`; applyObjects runs one or more of these in turn. */
export type ObjectFeed = (take: (key: string, size: number, meta: string, body: Readable) => Promise<void>) => Promise<void>;

export const fromArchive = (ctx: BackupContext, archive: string, keys: ReadonlySet<string>): ObjectFeed => (take) =>
  readObjectsFrom(ctx, archive, keys, (key, size, pax, body) => take(key, size, pax[PAX_META] ?? '{}', body));

/**
 * Makes the bucket hold exactly `expected` (key -> size): uploads what the feeds hand over
 * (a few at a time, bounded in count and bytes), removes every key not expected meanwhile
 * (the two sets never overlap), leaves the other expected keys alone, then checks count,
 * sizes and the uploaded ETags. Nothing it started is still running when it returns or throws.
 */
export async function applyObjects(
  ctx: BackupContext,
  expected: ReadonlyMap<string, number>,
  feeds: readonly ObjectFeed[],
  progressPhase: string,
  beforeUpload?: (key: string) => Promise<void> | void,
): Promise<{ objectCount: number; uploaded: number; removed: number }> {
  const s3 = ctx.s3;
  if (!s3) throw new Error('no S3 target configured');
  const client = s3Client(s3);
  const progress = new Progress(ctx, progressPhase);
  const etags = new Map<string, string>();
  const removing = removeOthers(client, s3.bucket, new Set(expected.keys()));
  removing.catch(() => undefined); // awaited below
  const uploads = new BoundedTasks();
  const upload = async (key: string, size: number, body: Buffer | Readable, meta: Record<string, string>): Promise<void> => {
    await beforeUpload?.(key);
    etags.set(key, await putObjectChecked(client, s3.bucket, key, size, body, meta));
    progress.add(size, 1);
  };
  try {
    for (const feed of feeds) {
      await feed(async (key, size, metaJson, stream) => {
        if (expected.get(key) !== size) throw new Error(`object "${key}" is ${size} bytes, expected ${expected.get(key)}`);
        const meta = JSON.parse(metaJson) as Record<string, string>;
        if (size <= uploads.maxBuffered) {
          // Reading is sequential: buffering small objects is what lets several upload at once.
          const body = await readBounded(stream, size, `object "${key}"`);
          await uploads.add(body.length, () => upload(key, size, body, meta));
        } else {
          await uploads.drain();
          await upload(key, size, stream, meta);
        }
      });
      await uploads.drain();
    }
  } finally {
    await uploads.settle();
    await removing.catch(() => undefined);
  }
  const removed = await removing;
  let count = 0;
  for await (const o of listObjects(client, s3.bucket)) {
    count++;
    const size = expected.get(o.key);
    if (size === undefined) throw new Error(`object "${o.key}" is in the bucket but should not be`);
    if (o.size !== size) throw new Error(`object "${o.key}" is ${o.size} bytes, expected ${size}`);
    if (o.etag && etags.get(o.key) && o.etag !== etags.get(o.key)) throw new Error(`object "${o.key}" changed after it was written (etag mismatch)`);
  }
  if (count !== expected.size) throw new Error(`bucket holds ${count} objects, expected ${expected.size}`);
  progress.done();
  return { objectCount: count, uploaded: etags.size, removed };
}
