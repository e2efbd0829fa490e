// Step "verify": one pass over the archive authenticates and checks everything, pg_restores the
// dump into the staging database on the way (never the live one), and keeps the objects the
// bucket lacks, so nothing is read twice. Nothing live is touched; a damaged archive is refused
// after the pass and the staging database dropped.
import { createHash } from 'crypto';
import { createWriteStream, promises as fsp } from 'fs';
import { join } from 'path';
import { Readable, Transform } from 'stream';
import { pipeline } from 'stream/promises';
import { BackupContext } from '../context';
import { RestoreJournal } from '../journal';
import { listLive, metadataChecker } from '../objectPlan';
import { DEFAULT_CONCURRENCY, readBounded } from '../objects';
import { createStaging, databaseExists, dropDatabase, restoreIntoStaging } from '../postgres';
import { keepVerified, verifyPath } from '../verify';
import { enterStep, RestoreState, setPhase } from './state';
import { NotStarted } from './types';

function sameCounts(a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>): string | null {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) if (a[k] !== b[k]) return `${k}: expected ${a[k] ?? 'no table'}, found ${b[k] ?? 'no table'}`;
  return null;
}

/** Takes one archived object from the pass: notes it, and keeps its bytes when the bucket does not already hold them. */
function objectConsumer(s: RestoreState): (key: string, size: number, meta: string, etag: string | undefined, body: Readable) => Promise<void> {
  const small = Math.floor(DEFAULT_CONCURRENCY.bufferBytes / DEFAULT_CONCURRENCY.parallel);
  const spoolFile = (): string => join(s.spoolDir, 'objects', String(s.kept.size));
  return async (key, size, meta, etag, body) => {
    const live = await s.liveAtStart?.catch(() => undefined);
    const l = live?.get(key);
    let equal: boolean;
    let bytes: Buffer | undefined;
    let file: string | undefined;
    if (etag !== undefined) {
      // The archive names the ETag of its bytes: equal ETag and size in the bucket mean
      // equal content, with no hashing (and multipart objects are recognised too).
      equal = l !== undefined && l.size === size && l.etag === etag;
      s.archived.set(key, { size, meta, etag });
      if (!equal) {
        file = spoolFile();
        await pipeline(body, createWriteStream(file, { mode: 0o600 }));
      }
    } else {
      // Older archives: compare the bucket's single-part ETag with the content's MD5.
      const md5 = createHash('md5');
      const maybeSame = l !== undefined && l.size === size && !l.etag.includes('-');
      if (size <= small) {
        bytes = await readBounded(body, size, `archive entry "${key}"`);
        md5.update(bytes);
      } else if (maybeSame) {
        for await (const c of body) md5.update(c as Buffer);
      } else {
        file = spoolFile();
        await pipeline(body, new Transform({ transform: (c: Buffer, _e, cb) => (md5.update(c), cb(null, c)) }), createWriteStream(file, { mode: 0o600 }));
      }
      const digest = md5.digest('hex');
      s.archived.set(key, { size, md5: digest, meta });
      equal = maybeSame && l?.etag.toLowerCase() === digest;
      if (!equal && bytes) {
        file = spoolFile();
        await fsp.writeFile(file, bytes, { mode: 0o600 });
      }
    }
    if (equal && s.metaCheck) {
      // Equal bytes: nothing to keep. Its metadata is compared now, while the pass goes on
      // (a failed request just leaves the key to the plan, which asks again).
      const check = s.metaCheck(key, meta).catch(() => undefined);
      s.metaChecks.set(key, check);
      s.pending.push(check);
      return;
    }
    if (file) s.kept.set(key, file);
  };
}

export async function runPass(s: RestoreState): Promise<void> {
  const { ctx, pg, store } = s;
  const staging = s.journal.staging;
  const stagingReady = pg && staging ? (async () => {
    if (await databaseExists(pg, staging)) await dropDatabase(pg, staging);
    await createStaging(pg, staging);
  })() : undefined;
  stagingReady?.catch(() => undefined); // awaited by the dump consumer or below
  if (stagingReady) s.pending.push(stagingReady);
  await fsp.mkdir(join(s.spoolDir, 'objects'), { recursive: true, mode: 0o700 });
  // The bucket as it is now, listed while the archive is read: it says which objects will
  // need uploading, and only those are kept from the pass (small ones in memory while they
  // are hashed, the rest in the spool), so the upload does not read the archive again.
  s.liveAtStart = store ? listLive(store.client, store.bucket) : undefined;
  s.liveAtStart?.catch(() => undefined); // a failure surfaces when the objects are planned
  s.metaCheck = store ? metadataChecker(store.client, store.bucket) : undefined;
  const verified = await verifyPath(ctx, s.path, {
    consumeObject: s.wanted.includes('minio') ? objectConsumer(s) : undefined,
    onDump: async () => {
      if (pg) await enterStep(s, 'postgres-staging');
    },
    consumeDump:
      pg && staging
        ? {
            spoolTo: join(s.spoolDir, 'postgres.dump'),
            // verifyPath settles this before it returns or throws.
            run: async (dump: string) => {
              await stagingReady;
              s.stagedRows = await restoreIntoStaging(pg, staging, dump);
              ctx.onProgress?.({ type: 'phase', phase: 'restore', detail: 'postgres-staging done' });
            },
          }
        : undefined,
  });
  const { manifest } = verified;
  s.manifest = manifest;
  ctx.onProgress?.({ type: 'phase', phase: 'restore', detail: 'archive verified' });
  if (s.incoming) {
    // Verified: kept under its name; from here on (the safety archive reads it) the journal names that.
    s.archive = (await keepVerified(s.incoming, verified, s.now.toISOString())).path;
    await setPhase(s, s.journal.phase, { archive: s.archive });
  }
  await stagingReady;
  const components = s.wanted.filter((c) => manifest.components.includes(c));
  if (components.length === 0) throw new NotStarted(`backup ${s.fileOrName} holds ${manifest.components.join(', ')}; nothing to restore for ${s.wanted.join(', ')}`);
  if (components.includes('postgres') && !ctx.postgres) throw new NotStarted('no postgres connection configured');
  if (components.includes('minio') && !ctx.s3) throw new NotStarted('no S3 target configured');
  s.components = components;
  s.journal = { ...s.journal, components };
  if (components.includes('postgres')) {
    s.current = 'postgres-staging';
    const diff = sameCounts(manifest.rowCounts, s.stagedRows ?? {});
    if (diff) throw new Error(`restored database does not match the backup's row counts (${diff})`);
  }
}

/** The staging database of a restore that did not commit is dropped. */
export async function dropStaging(ctx: BackupContext, j: RestoreJournal): Promise<void> {
  const pg = ctx.postgres;
  if (pg && j.components.includes('postgres') && j.staging && j.previous && (await databaseExists(pg, j.staging))) await dropDatabase(pg, j.staging);
}
