// Restore that never half-applies:
//   one pass over the archive authenticates every byte, checks every checksum and, meanwhile,
//   pg_restores the dump into <db>_restore_<ts> (never the live database) -> objects that will be
//   overwritten or removed are saved -> maintenance on -> atomic rename swap (the live database is
//   kept, intact, as <db>_pre_restore_<ts>) -> the bucket made exactly equal to the archive
//   (objects already equal are left alone) and checked -> commit -> maintenance off ->
//   the safety archive written from the kept database and the saved objects.
// Any failure before the commit rolls back (swap undone, saved objects put back, new ones
// removed); a killed process is rolled back, or after the commit rolled forward, by
// recoverInterrupted() on the next run. Nothing live changes before the whole archive has
// authenticated and the objects about to change have been saved.
import { createHash, randomBytes } from 'crypto';
import { createReadStream, createWriteStream, promises as fsp } from 'fs';
import { join } from 'path';
import { Readable, Transform } from 'stream';
import { pipeline } from 'stream/promises';
import { readArchive } from './archive';
import { freeName } from './backup';
import { BackupContext, decryptionKeys, encrypts, nowOf, Progress } from './context';
import { claimName, discardStaged, removeStaleIncoming, StagedArchive, stagedArchive } from './incoming';
import { clearJournal, readJournal, RestoreJournal, RestorePhase, writeJournal } from './journal';
import { ArchiveRejected, Component, HEADER_ENTRY, parseHeader } from './manifest';
import { formatTimestamp } from './naming';
import { listLive, LiveObject, metadataChecker, planObjects } from './objectPlan';
import { BoundedTasks, DEFAULT_CONCURRENCY, listObjects, PAX_META, putObjectChecked, readBounded, removeOthers, S3Target, s3Client } from './objects';
import { createStaging, databaseExists, databaseOid, dropDatabase, renameDatabases, restoreIntoStaging } from './postgres';
import { BeforeEntry, readBefore, readObjectsFrom, saveObjects, writeBefore, writeSafetyArchive } from './safety';
import { LockBusyError, resolveArchive, SAFETY_LOCK, WORK_DIR, withLock } from './store';
import { ArchivedObject, keepVerified, verifyPath } from './verify';

/** Supplied by the caller (imctl: nginx maintenance page + stopping/starting the backends). */
export interface RestoreHooks {
  enterMaintenance(): Promise<void>;
  leaveMaintenance(): Promise<void>;
}

export interface RestoreOptions {
  readonly postgresOnly?: boolean;
  readonly minioOnly?: boolean;
  readonly hooks?: RestoreHooks;
  /** Called as each step starts; fault-injection point for tests, progress for the CLI. */
  readonly onStep?: (step: RestoreStep) => Promise<void> | void;
  /** Called inside each object upload task, before the upload; fault-injection point for tests. */
  readonly beforeUpload?: (key: string) => Promise<void> | void;
  /**
   * Return as soon as the restored data is in service and leave the safety archive to
   * finishPendingRestore() (the job container's daemon runs it within seconds). Until it is
   * written, the previous database and the saved objects are kept and the journal says so.
   */
  readonly deferSafety?: boolean;
}

export type RestoreStep = 'verify' | 'postgres-staging' | 'safety-backup' | 'maintenance' | 'postgres-swap' | 'objects' | 'commit' | 'done' | 'safety-archive';

export interface RestoreResult {
  readonly archive: string;
  /** The archive of the data as it was before the restore. */
  readonly safety: string;
  /** True when the safety archive is still being written (deferSafety). */
  readonly safetyPending: boolean;
  readonly components: readonly Component[];
  readonly rowCounts: Readonly<Record<string, number>>;
  readonly objectCount: number;
  readonly uploadedObjects: number;
  readonly unchangedObjects: number;
  readonly removedObjects: number;
}

export class RestoreFailed extends Error {
  constructor(message: string, readonly rolledBack: boolean) {
    super(message);
    this.name = 'RestoreFailed';
  }
}

/** Why the target cannot take the archive's objects; stable for callers and tests. */
export type RefusalCode = 'store-unreachable' | 'bucket-missing' | 'bucket-denied';

/** Refused by the pre-flight, before the restore touched anything (no journal, no staging, no maintenance). */
export class RestoreRefused extends Error {
  constructor(readonly code: RefusalCode, message: string) {
    super(message);
    this.name = 'RestoreRefused';
  }
}

class SafetyBackupFailed extends Error {}
/** Refused before anything was started (wrong options for this archive): reported as is. */
class NotStarted extends Error {}

export const RESTORE_WORK = '.restore';

const noHooks: RestoreHooks = { enterMaintenance: async () => undefined, leaveMaintenance: async () => undefined };

function sameCounts(a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>): string | null {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) if (a[k] !== b[k]) return `${k}: expected ${a[k] ?? 'no table'}, found ${b[k] ?? 'no table'}`;
  return null;
}

/** Hands each object to upload to `take`; applyObjects runs one or more of these in turn. */
type ObjectFeed = (take: (key: string, size: number, meta: string, body: Readable) => Promise<void>) => Promise<void>;

const fromArchive = (ctx: BackupContext, archive: string, keys: ReadonlySet<string>): ObjectFeed => (take) =>
  readObjectsFrom(ctx, archive, keys, (key, size, pax, body) => take(key, size, pax[PAX_META] ?? '{}', body));

/**
 * Makes the bucket hold exactly `expected` (key -> size): uploads what the feeds hand over
 * (a few at a time, bounded in count and bytes), removes every key not expected meanwhile
 * (the two sets never overlap), leaves the other expected keys alone, then checks count,
 * sizes and the uploaded ETags. Nothing it started is still running when it returns or throws.
 */
async function applyObjects(
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

/** Undoes (or, once committed, completes) whatever a journaled restore did. Safe to run more than once. */
async function resolveJournal(ctx: BackupContext, j: RestoreJournal): Promise<void> {
  const pg = ctx.postgres;
  if (j.phase === 'committed') {
    await writeSafetyArchive(ctx, j);
    ctx.onProgress?.({ type: 'phase', phase: 'safety', detail: `${j.safety} written; dropping the previous database` });
    if (pg && j.previous && (await databaseExists(pg, j.previous))) await dropDatabase(pg, j.previous);
  } else {
    if (j.phase === 'objects' && j.components.includes('minio') && j.work) {
      ctx.onProgress?.({ type: 'phase', phase: 'rollback', detail: 'putting the objects back as they were' });
      const before = await readBefore(j.work);
      const saved = j.saved ?? [];
      await applyObjects(
        ctx,
        new Map(before.map((e) => [e[0], e[1]])),
        saved.map((archive, i) => fromArchive(ctx, archive, new Set(before.filter((e) => e[3] === i).map((e) => e[0])))),
        'rollback',
      );
    }
    if (pg && j.components.includes('postgres') && j.staging && j.previous) {
      if (await databaseExists(pg, j.previous)) {
        ctx.onProgress?.({ type: 'phase', phase: 'rollback', detail: 'swapping the previous database back in' });
        // The restored database moves aside under the staging name and is dropped below.
        await renameDatabases(pg, [[pg.database, j.staging], [j.previous, pg.database]]);
      }
      if (await databaseExists(pg, j.staging)) await dropDatabase(pg, j.staging);
    }
  }
  if (j.work) await fsp.rm(j.work, { recursive: true, force: true });
}

/**
 * Resolves a restore that was interrupted (process killed): before its commit the previous
 * data is put back; after it, the safety archive is completed. Returns the journal it
 * resolved, or undefined when there was nothing to do.
 */
export async function recoverInterruptedUnlocked(ctx: BackupContext, hooks: RestoreHooks = noHooks): Promise<RestoreJournal | undefined> {
  const j = await readJournal(ctx.backupDir);
  await fsp.rm(join(ctx.backupDir, WORK_DIR), { recursive: true, force: true });
  for (const f of await fsp.readdir(ctx.backupDir).catch(() => [] as string[])) {
    if (f.endsWith('.partial')) await fsp.rm(join(ctx.backupDir, f), { force: true });
  }
  await removeStaleIncoming(ctx.backupDir, nowOf(ctx));
  if (!j) {
    await fsp.rm(join(ctx.backupDir, RESTORE_WORK), { recursive: true, force: true });
    return undefined;
  }
  ctx.onProgress?.({ type: 'phase', phase: 'recover', detail: `resolving ${j.phase === 'committed' ? 'the safety archive of' : 'an interrupted'} restore of ${j.archive} (phase ${j.phase})` });
  await resolveJournal(ctx, j);
  await clearJournal(ctx.backupDir);
  if (j.phase !== 'committed') await hooks.leaveMaintenance();
  return j;
}

export async function recoverInterrupted(ctx: BackupContext, hooks: RestoreHooks = noHooks): Promise<RestoreJournal | undefined> {
  return withLock(ctx.backupDir, 'recover', () => recoverInterruptedUnlocked(ctx, hooks));
}

/**
 * Writes the safety archive of a restore that returned early (deferSafety). Does nothing
 * when no restore is pending or when the volume is busy (returns false then; try later).
 */
export async function finishPendingRestore(ctx: BackupContext): Promise<RestoreJournal | undefined | false> {
  const j = await readJournal(ctx.backupDir);
  if (!j || j.phase !== 'committed') return undefined;
  try {
    return await withLock(
      ctx.backupDir,
      SAFETY_LOCK,
      async () => {
        const again = await readJournal(ctx.backupDir);
        return again?.phase === 'committed' ? recoverInterruptedUnlocked(ctx) : undefined;
      },
      0,
    );
  } catch (e) {
    if (e instanceof LockBusyError) return false;
    throw e;
  }
}

export async function restore(ctx: BackupContext, fileOrName: string, opts: RestoreOptions = {}): Promise<RestoreResult> {
  return withLock(ctx.backupDir, 'restore', async () => {
    const hooks = opts.hooks ?? noHooks;
    const step = async (s: RestoreStep): Promise<void> => {
      ctx.onProgress?.({ type: 'phase', phase: 'restore', detail: s });
      await opts.onStep?.(s);
    };
    if (opts.postgresOnly && opts.minioOnly) throw new Error('--postgres-only and --minio-only exclude each other');
    const path = await resolveArchive(ctx.backupDir, fileOrName);
    const wanted: Component[] = opts.postgresOnly ? ['postgres'] : opts.minioOnly ? ['minio'] : ['postgres', 'minio'];
    // A host copy is restored from where it landed and kept under its name once the pass has
    // verified it; an archive of that name with the same bytes is simply used.
    const staged = stagedArchive(ctx.backupDir, path);
    let r: RestoreResult;
    try {
      // Before anything else, an interrupted restore's recovery included: a refused restore changes nothing.
      await checkTarget(ctx, path, wanted);
      await recoverInterruptedUnlocked(ctx, hooks);
      await step('verify');
      const same = staged && (await claimName(staged)) === 'same';
      r = await restoreArchive(ctx, fileOrName, same ? staged.final : path, wanted, opts, step, same ? undefined : staged);
    } finally {
      if (staged) await discardStaged(staged);
    }
    if (opts.deferSafety) return r;
    await step('safety-archive');
    await recoverInterruptedUnlocked(ctx); // the journal is committed: this writes the safety archive
    return { ...r, safetyPending: false };
  });
}

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
 * Pre-flight, before the journal and before anything live is touched: when the archive has
 * objects to restore, the store must be reachable and the bucket there and writable, or the
 * restore is refused naming the problem. `--postgres-only` restores skip it.
 */
async function checkTarget(ctx: BackupContext, path: string, wanted: readonly Component[]): Promise<void> {
  if (!wanted.includes('minio') || !ctx.s3) return; // no S3 target: refused after the pass, as before
  const components = await archiveComponents(ctx, path);
  if (components && !components.includes('minio')) return;
  await checkBucket(ctx.s3);
}

async function restoreArchive(
  ctx: BackupContext,
  fileOrName: string,
  path: string,
  wanted: readonly Component[],
  opts: RestoreOptions,
  step: (s: RestoreStep) => Promise<void>,
  incoming?: StagedArchive,
): Promise<RestoreResult> {
  const hooks = opts.hooks ?? noHooks;
  const pg = wanted.includes('postgres') ? ctx.postgres : undefined;
  const now = nowOf(ctx);
  const ts = formatTimestamp(now).toLowerCase();
  const work = join(ctx.backupDir, RESTORE_WORK);
  /** The archive being restored: `path`, or once a staged host copy is verified, where it is kept. */
  let archive = path;
  let journal: RestoreJournal = {
    archive: path,
    safety: (await freeName(ctx, now, encrypts(ctx))).file,
    components: wanted,
    database: pg?.database,
    staging: pg ? `${pg.database}_restore_${ts}` : undefined,
    previous: pg ? `${pg.database}_pre_restore_${ts}` : undefined,
    work,
    saved: [],
    phase: 'prepared',
    startedAt: now.toISOString(),
  };
  const setPhase = async (phase: RestorePhase, patch: Partial<RestoreJournal> = {}): Promise<void> => {
    journal = { ...journal, ...patch, phase };
    await writeJournal(ctx.backupDir, journal);
  };
  // Journal first: from here on a killed run is rolled back (staging dropped, work folder removed).
  await fsp.rm(work, { recursive: true, force: true });
  await setPhase('prepared');
  await fsp.mkdir(work, { recursive: true, mode: 0o700 });

  let current: RestoreStep = 'verify';
  let entered = false;
  const archived = new Map<string, ArchivedObject>();
  /** Spool files of the objects the pass kept for uploading, by key. */
  const kept = new Map<string, string>();
  let stagedOid: string | undefined;
  // Work the pass starts and does not await (staging database, pg_restore, metadata requests):
  // settled before any rollback, so nothing is created or asked after it was undone.
  const pending: Promise<unknown>[] = [];
  const spoolDir = join(ctx.backupDir, WORK_DIR, 'restore');
  try {
    // 1. One pass: authenticate and check everything; the dump goes into the staging database
    //    on the way. Nothing live is touched, and the staging database is dropped if the
    //    archive turns out damaged.
    let staged: Record<string, number> | undefined;
    const staging = journal.staging;
    const stagingReady = pg && staging ? (async () => {
      if (await databaseExists(pg, staging)) await dropDatabase(pg, staging);
      await createStaging(pg, staging);
    })() : undefined;
    stagingReady?.catch(() => undefined); // awaited by the dump consumer or below
    if (stagingReady) pending.push(stagingReady);
    await fsp.mkdir(join(spoolDir, 'objects'), { recursive: true, mode: 0o700 });
    const client = wanted.includes('minio') && ctx.s3 ? s3Client(ctx.s3) : undefined;
    // The bucket as it is now, listed while the archive is read: it says which objects will
    // need uploading, and only those are kept from the pass (small ones in memory while they
    // are hashed, the rest in the spool), so the upload does not read the archive again.
    const liveAtStart = client && ctx.s3 ? listLive(client, ctx.s3.bucket) : undefined;
    liveAtStart?.catch(() => undefined); // a failure surfaces when the objects are planned
    const small = Math.floor(DEFAULT_CONCURRENCY.bufferBytes / DEFAULT_CONCURRENCY.parallel);
    const metaCheck = client && ctx.s3 ? metadataChecker(client, ctx.s3.bucket) : undefined;
    const metaChecks = new Map<string, Promise<string | undefined>>();
    const consumeObject = async (key: string, size: number, meta: string, etag: string | undefined, body: Readable): Promise<void> => {
      const live = await liveAtStart?.catch(() => undefined);
      const l = live?.get(key);
      let equal: boolean;
      let bytes: Buffer | undefined;
      let file: string | undefined;
      const keep = async (): Promise<void> => {
        file = join(spoolDir, 'objects', String(kept.size));
        await pipeline(body, createWriteStream(file, { mode: 0o600 }));
      };
      if (etag !== undefined) {
        // The archive names the ETag of its bytes: equal ETag and size in the bucket mean
        // equal content, with no hashing (and multipart objects are recognised too).
        equal = l !== undefined && l.size === size && l.etag === etag;
        archived.set(key, { size, meta, etag });
        if (!equal) await keep();
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
          file = join(spoolDir, 'objects', String(kept.size));
          await pipeline(body, new Transform({ transform: (c: Buffer, _e, cb) => (md5.update(c), cb(null, c)) }), createWriteStream(file, { mode: 0o600 }));
        }
        const digest = md5.digest('hex');
        archived.set(key, { size, md5: digest, meta });
        equal = maybeSame && l?.etag.toLowerCase() === digest;
        if (!equal && bytes) {
          file = join(spoolDir, 'objects', String(kept.size));
          await fsp.writeFile(file, bytes, { mode: 0o600 });
        }
      }
      if (equal && metaCheck) {
        // Equal bytes: nothing to keep. Its metadata is compared now, while the pass goes on
        // (a failed request just leaves the key to the plan, which asks again).
        const check = metaCheck(key, meta).catch(() => undefined);
        metaChecks.set(key, check);
        pending.push(check);
        return;
      }
      if (file) kept.set(key, file);
    };
    const verified = await verifyPath(ctx, path, {
      consumeObject: wanted.includes('minio') ? consumeObject : undefined,
      onDump: async () => {
        if (!pg) return;
        current = 'postgres-staging';
        await step(current);
      },
      consumeDump:
        pg && staging
          ? {
              spoolTo: join(spoolDir, 'postgres.dump'),
              // verifyPath settles this before it returns or throws.
              run: async (dump: string) => {
                await stagingReady;
                staged = await restoreIntoStaging(pg, staging, dump);
                ctx.onProgress?.({ type: 'phase', phase: 'restore', detail: 'postgres-staging done' });
              },
            }
          : undefined,
    });
    const { manifest } = verified;
    ctx.onProgress?.({ type: 'phase', phase: 'restore', detail: 'archive verified' });
    if (incoming) {
      // Verified: kept under its name; from here on (the safety archive reads it) the journal names that.
      archive = (await keepVerified(incoming, verified, now.toISOString())).path;
      await setPhase(journal.phase, { archive });
    }
    await stagingReady;
    const components = wanted.filter((c) => manifest.components.includes(c));
    if (components.length === 0) throw new NotStarted(`backup ${fileOrName} holds ${manifest.components.join(', ')}; nothing to restore for ${wanted.join(', ')}`);
    if (components.includes('postgres') && !ctx.postgres) throw new NotStarted('no postgres connection configured');
    if (components.includes('minio') && !ctx.s3) throw new NotStarted('no S3 target configured');
    journal = { ...journal, components };
    if (components.includes('postgres')) {
      current = 'postgres-staging';
      const diff = sameCounts(manifest.rowCounts, staged ?? {});
      if (diff) throw new Error(`restored database does not match the backup's row counts (${diff})`);
    }

    // 2. Save what the object restore will overwrite or remove, while the site still serves.
    // key -> [ETag it was saved at, index in journal.saved]; a later copy of a key wins.
    const saved = new Map<string, [string, number]>();
    const save = async (keys: string[]): Promise<void> => {
      if (!client || !ctx.s3 || keys.length === 0) return;
      const index = (journal.saved ?? []).length;
      const file = join(work, `saved-${index + 1}.tar.gz${encrypts(ctx) ? '.enc' : ''}`);
      for (const [k, e] of await saveObjects(ctx, client, ctx.s3.bucket, keys, file)) saved.set(k, [e, index]);
      await setPhase(journal.phase, { saved: [...(journal.saved ?? []), file] });
    };
    let confirmed: ReadonlyMap<string, string> = new Map();
    if (components.includes('minio') && client && ctx.s3) {
      current = 'safety-backup';
      await step(current);
      try {
        const live = (await liveAtStart) ?? (await listLive(client, ctx.s3.bucket));
        const checked = new Map<string, string>();
        for (const [k, p] of metaChecks) {
          const etag = await p;
          if (etag !== undefined && etag === live.get(k)?.etag) checked.set(k, etag);
        }
        const plan = await planObjects(client, ctx.s3.bucket, archived, live, checked, metaCheck);
        confirmed = plan.unchanged;
        ctx.onProgress?.({ type: 'phase', phase: 'restore', detail: `objects: ${plan.unchanged.size} unchanged, ${plan.upload.size} to upload, ${plan.save.size} to save first` });
        await save([...plan.save]);
      } catch (e) {
        throw new SafetyBackupFailed((e as Error).message);
      }
    }

    // 3. Maintenance, then the swap: the live database is renamed aside, intact.
    current = 'maintenance';
    await step(current);
    entered = true;
    await hooks.enterMaintenance();
    if (components.includes('postgres') && pg && journal.staging && journal.previous) {
      current = 'postgres-swap';
      await step(current);
      stagedOid = await databaseOid(pg, journal.staging);
      await renameDatabases(pg, [[pg.database, journal.previous], [journal.staging, pg.database]]);
    }

    // 4. Objects: re-plan against the bucket as the stopped backends left it, save anything
    //    that changed since step 2, record the bucket's state, then apply.
    let objects = { objectCount: 0, uploaded: 0, removed: 0, unchanged: 0 };
    if (components.includes('minio') && client && ctx.s3) {
      current = 'objects';
      const live = await listLive(client, ctx.s3.bucket);
      const plan = await planObjects(client, ctx.s3.bucket, archived, live, confirmed, metaCheck);
      await save([...plan.save].filter((k) => saved.get(k)?.[0] !== (live.get(k) as LiveObject).etag));
      const before: BeforeEntry[] = [...live].map(([k, o]) => [k, o.size, o.etag, plan.save.has(k) ? (saved.get(k)?.[1] ?? -2) : -1]);
      const missing = before.find((e) => e[3] === -2);
      if (missing) throw new Error(`object "${missing[0]}" would change but has no saved copy`);
      await writeBefore(work, before);
      await setPhase('objects');
      await step(current);
      // Kept by the pass: read from the spool. Anything else (changed since the pass, or equal
      // bytes with other metadata) is read from the archive once more.
      const fromSpool: ObjectFeed = async (take) => {
        for (const key of plan.upload) {
          const file = kept.get(key);
          if (!file) continue;
          const a = archived.get(key) as ArchivedObject;
          await take(key, a.size, a.meta, createReadStream(file));
        }
      };
      const rest = new Set([...plan.upload].filter((k) => !kept.has(k)));
      const r = await applyObjects(ctx, new Map([...archived].map(([k, a]) => [k, a.size])), [fromSpool, fromArchive(ctx, archive, rest)], 'restore', opts.beforeUpload);
      objects = { ...r, unchanged: plan.unchanged.size };
    }

    await fsp.rm(spoolDir, { recursive: true, force: true });
    current = 'commit';
    await step(current);
    if (components.includes('postgres') && pg) {
      // The staging database was checked row by row; after the rename it must be the live one.
      const live = await databaseOid(pg, pg.database);
      if (!stagedOid || live !== stagedOid) throw new Error(`the live database after the swap is not the restored one (oid ${live ?? 'none'}, restored ${stagedOid ?? 'unknown'})`);
    }
    await setPhase('committed');
    entered = false;
    await hooks.leaveMaintenance();
    await step('done');
    return {
      archive,
      safety: journal.safety,
      safetyPending: true,
      components,
      rowCounts: manifest.rowCounts,
      objectCount: objects.objectCount,
      uploadedObjects: objects.uploaded,
      unchangedObjects: objects.unchanged,
      removedObjects: objects.removed,
    };
  } catch (e) {
    if (journal.phase === 'committed') throw e;
    await Promise.allSettled(pending);
    await fsp.rm(spoolDir, { recursive: true, force: true });
    const refused = e instanceof ArchiveRejected || e instanceof NotStarted;
    const reason =
      e instanceof SafetyBackupFailed
        ? `restore not started: the safety backup failed (${e.message}); nothing was changed`
        : `restore failed during ${current}: ${(e as Error).message}`;
    try {
      await resolveJournal(ctx, journal);
      await clearJournal(ctx.backupDir);
    } catch (rb) {
      throw new RestoreFailed(
        `${reason}; rolling back also failed (${(rb as Error).message}). The journal is kept in the backups volume; ` +
          `the next restore/recover run retries the rollback`,
        false,
      );
    } finally {
      if (entered) await hooks.leaveMaintenance().catch(() => undefined);
    }
    if (refused) throw e;
    if (e instanceof SafetyBackupFailed) throw new RestoreFailed(reason, true);
    throw new RestoreFailed(`${reason}; the previous data is back in service`, true);
  }
}

