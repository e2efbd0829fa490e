// Restore that never half-applies:
//   verify the whole archive -> safety backup -> journal -> maintenance on ->
//   pg_restore into <db>_restore_<ts> -> atomic rename swap (old kept as <db>_pre_restore_<ts>) ->
//   objects made exactly equal to the archive and checked -> commit -> maintenance off.
// Any failure rolls back (swap undone, objects restored from the safety backup); a killed
// process is rolled back by recoverInterrupted() on the next run.
import { promises as fsp } from 'fs';
import { join } from 'path';
import { Readable } from 'stream';
import { readArchive } from './archive';
import { backupUnlocked, BackupResult } from './backup';
import { BackupContext, decryptionKeys, nowOf, Progress } from './context';
import { clearJournal, readJournal, RestoreJournal, RestorePhase, writeJournal } from './journal';
import { Component, Manifest, OBJECT_PREFIX, POSTGRES_ENTRY } from './manifest';
import { formatTimestamp } from './naming';
import { BoundedTasks, ensureBucket, listObjects, PAX_META, putObjectChecked, readBounded, removeOthers, s3Client } from './objects';
import { databaseExists, dropDatabase, liveRowCounts, renameDatabases, restoreIntoStaging } from './postgres';
import { resolveArchive, WORK_DIR, withLock } from './store';
import { verifyPath } from './verify';

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
}

export type RestoreStep = 'verify' | 'safety-backup' | 'maintenance' | 'postgres-staging' | 'postgres-swap' | 'objects' | 'objects-check' | 'commit' | 'done';

export interface RestoreResult {
  readonly archive: string;
  readonly safety: string;
  readonly components: readonly Component[];
  readonly rowCounts: Readonly<Record<string, number>>;
  readonly objectCount: number;
  readonly removedObjects: number;
}

export class RestoreFailed extends Error {
  constructor(message: string, readonly rolledBack: boolean) {
    super(message);
    this.name = 'RestoreFailed';
  }
}

class SafetyBackupFailed extends Error {}

const noHooks: RestoreHooks = { enterMaintenance: async () => undefined, leaveMaintenance: async () => undefined };

function sameCounts(a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>): string | null {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) if (a[k] !== b[k]) return `${k}: expected ${a[k] ?? 'no table'}, found ${b[k] ?? 'no table'}`;
  return null;
}

/**
 * Makes the bucket exactly equal to the objects in `archivePath`: uploads every archived
 * object (a few at a time, bounded in count and bytes), removes the others meanwhile (the two
 * key sets never overlap), then checks count, sizes and ETags. Nothing it started is still
 * running when it returns or throws.
 */
async function applyObjects(
  ctx: BackupContext,
  archivePath: string,
  manifest: Manifest,
  progressPhase: string,
  beforeUpload?: (key: string) => Promise<void> | void,
): Promise<{ objectCount: number; removed: number }> {
  const s3 = ctx.s3;
  if (!s3) throw new Error('no S3 target configured');
  const client = s3Client(s3);
  await ensureBucket(client, s3.bucket, s3.region);
  const progress = new Progress(ctx, progressPhase);
  const etags = new Map<string, string>();
  const expected = new Map(manifest.entries.filter((e) => e.name.startsWith(OBJECT_PREFIX)).map((e) => [e.name.slice(OBJECT_PREFIX.length), e.size]));
  const removing = removeOthers(client, s3.bucket, new Set(expected.keys()));
  removing.catch(() => undefined); // awaited below
  const uploads = new BoundedTasks();
  const upload = async (key: string, size: number, body: Buffer | Readable, meta: Record<string, string>): Promise<void> => {
    await beforeUpload?.(key);
    etags.set(key, await putObjectChecked(client, s3.bucket, key, size, body, meta));
    progress.add(size, 1);
  };
  try {
    await readArchive(archivePath, decryptionKeys(ctx), async (entry, stream) => {
      if (!entry.name.startsWith(OBJECT_PREFIX)) return;
      const key = entry.name.slice(OBJECT_PREFIX.length);
      const meta = JSON.parse(entry.pax[PAX_META] ?? '{}') as Record<string, string>;
      if (entry.size <= uploads.maxBuffered) {
        // The tar stream is sequential: buffering small objects is what lets several upload at once.
        const body = await readBounded(stream, entry.size, `archive entry "${entry.name}"`);
        await uploads.add(body.length, () => upload(key, entry.size, body, meta));
      } else {
        await uploads.drain();
        await upload(key, entry.size, stream, meta);
      }
    });
    await uploads.drain();
  } finally {
    await uploads.settle();
    await removing.catch(() => undefined);
  }
  const removed = await removing;
  let count = 0;
  for await (const o of listObjects(client, s3.bucket)) {
    count++;
    const size = expected.get(o.key);
    if (size === undefined) throw new Error(`object "${o.key}" is in the bucket but not in the backup`);
    if (o.size !== size) throw new Error(`object "${o.key}" is ${o.size} bytes after restore, backup has ${size}`);
    if (o.etag && etags.get(o.key) && o.etag !== etags.get(o.key)) throw new Error(`object "${o.key}" changed after it was restored (etag mismatch)`);
  }
  if (count !== manifest.objectCount || etags.size !== manifest.objectCount) {
    throw new Error(`bucket holds ${count} objects after restore, backup has ${manifest.objectCount}`);
  }
  progress.done();
  return { objectCount: count, removed };
}

/** Undoes whatever a journaled restore did. Safe to run more than once. */
async function rollBack(ctx: BackupContext, j: RestoreJournal): Promise<void> {
  if (j.phase === 'committed') {
    if (ctx.postgres && j.previous && (await databaseExists(ctx.postgres, j.previous))) await dropDatabase(ctx.postgres, j.previous);
    return;
  }
  if (j.phase === 'objects' && j.components.includes('minio')) {
    ctx.onProgress?.({ type: 'phase', phase: 'rollback', detail: `restoring objects from safety backup ${j.safety}` });
    const safety = await verifyPath(ctx, join(ctx.backupDir, j.safety));
    await applyObjects(ctx, join(ctx.backupDir, j.safety), safety.manifest, 'rollback');
  }
  const pg = ctx.postgres;
  if (pg && j.components.includes('postgres') && j.staging && j.previous) {
    if (await databaseExists(pg, j.previous)) {
      ctx.onProgress?.({ type: 'phase', phase: 'rollback', detail: 'swapping the previous database back in' });
      // The restored database moves aside under the staging name and is dropped below.
      await renameDatabases(pg, [[pg.database, j.staging], [j.previous, pg.database]]);
    }
    if (await databaseExists(pg, j.staging)) await dropDatabase(pg, j.staging);
  }
}

/**
 * Resolves a restore that was interrupted (process killed): previous data back in service.
 * Returns what was recovered, or undefined when there was nothing to do.
 */
export async function recoverInterruptedUnlocked(ctx: BackupContext, hooks: RestoreHooks = noHooks): Promise<RestoreJournal | undefined> {
  const j = await readJournal(ctx.backupDir);
  await fsp.rm(join(ctx.backupDir, WORK_DIR), { recursive: true, force: true });
  for (const f of await fsp.readdir(ctx.backupDir).catch(() => [] as string[])) {
    if (f.endsWith('.partial')) await fsp.rm(join(ctx.backupDir, f), { force: true });
  }
  if (!j) return undefined;
  ctx.onProgress?.({ type: 'phase', phase: 'recover', detail: `resolving an interrupted restore of ${j.archive} (phase ${j.phase})` });
  await rollBack(ctx, j);
  await clearJournal(ctx.backupDir);
  await hooks.leaveMaintenance();
  return j;
}

export async function recoverInterrupted(ctx: BackupContext, hooks: RestoreHooks = noHooks): Promise<RestoreJournal | undefined> {
  return withLock(ctx.backupDir, 'recover', () => recoverInterruptedUnlocked(ctx, hooks));
}

export async function restore(ctx: BackupContext, fileOrName: string, opts: RestoreOptions = {}): Promise<RestoreResult> {
  return withLock(ctx.backupDir, 'restore', async () => {
    const hooks = opts.hooks ?? noHooks;
    await recoverInterruptedUnlocked(ctx, hooks);
    const step = async (s: RestoreStep): Promise<void> => {
      ctx.onProgress?.({ type: 'phase', phase: 'restore', detail: s });
      await opts.onStep?.(s);
    };
    if (opts.postgresOnly && opts.minioOnly) throw new Error('--postgres-only and --minio-only exclude each other');

    // 1. Verify everything before touching anything; the same pass spools the dump, which is
    //    used only once the whole archive has been authenticated.
    await step('verify');
    const path = await resolveArchive(ctx.backupDir, fileOrName);
    const wanted: Component[] = opts.postgresOnly ? ['postgres'] : opts.minioOnly ? ['minio'] : ['postgres', 'minio'];
    const work = join(ctx.backupDir, WORK_DIR, 'restore');
    const dump = join(work, POSTGRES_ENTRY);
    await fsp.mkdir(work, { recursive: true });
    try {
      return await restoreVerified(ctx, fileOrName, path, wanted, dump, opts, step);
    } finally {
      await fsp.rm(work, { recursive: true, force: true });
    }
  });
}

async function restoreVerified(
  ctx: BackupContext,
  fileOrName: string,
  path: string,
  wanted: readonly Component[],
  dump: string,
  opts: RestoreOptions,
  step: (s: RestoreStep) => Promise<void>,
): Promise<RestoreResult> {
  const hooks = opts.hooks ?? noHooks;
  const { manifest } = await verifyPath(ctx, path, { extractDumpTo: wanted.includes('postgres') && ctx.postgres ? dump : undefined });
  const components = wanted.filter((c) => manifest.components.includes(c));
  if (components.length === 0) throw new Error(`backup ${fileOrName} holds ${manifest.components.join(', ')}; nothing to restore for ${wanted.join(', ')}`);
  if (components.includes('postgres') && !ctx.postgres) throw new Error('no postgres connection configured');
  if (components.includes('minio') && !ctx.s3) throw new Error('no S3 target configured');
  const pg = ctx.postgres;

  // 2. Journal first: from here on a killed run is rolled back (staging dropped, .partial removed).
  const ts = formatTimestamp(nowOf(ctx)).toLowerCase();
  let journal: RestoreJournal = {
    archive: fileOrName,
    safety: '',
    components,
    database: pg?.database,
    staging: pg ? `${pg.database}_restore_${ts}` : undefined,
    previous: pg ? `${pg.database}_pre_restore_${ts}` : undefined,
    phase: 'prepared',
    startedAt: new Date().toISOString(),
  };
  const setPhase = async (phase: RestorePhase): Promise<void> => {
    journal = { ...journal, phase };
    await writeJournal(ctx.backupDir, journal);
  };
  await setPhase('prepared');

  // 3. The safety backup of exactly what is about to be replaced runs while the dump is
  //    restored into the staging database: both only read live data. Nothing live changes
  //    (maintenance, swap, objects) until the safety backup is complete.
  await step('safety-backup');
  const safetyRun = backupUnlocked(ctx, { components, kind: 'safety' });
  safetyRun.catch(() => undefined); // awaited below on every path
  let safety: BackupResult | undefined;
  let current: RestoreStep = 'postgres-staging';
  let entered = false;
  let objectCount = 0;
  let removedObjects = 0;
  try {
    if (components.includes('postgres') && pg && journal.staging) {
      await step(current);
      if (await databaseExists(pg, journal.staging)) await dropDatabase(pg, journal.staging);
      const staged = await restoreIntoStaging(pg, journal.staging, dump);
      await fsp.rm(dump, { force: true });
      const diff = sameCounts(manifest.rowCounts, staged);
      if (diff) throw new Error(`restored database does not match the backup's row counts (${diff})`);
      ctx.onProgress?.({ type: 'phase', phase: 'restore', detail: 'postgres-staging done' });
    }
    current = 'safety-backup';
    ctx.onProgress?.({ type: 'phase', phase: 'restore', detail: 'waiting for the safety backup' });
    try {
      safety = await safetyRun;
    } catch (e) {
      throw new SafetyBackupFailed((e as Error).message);
    }
    journal = { ...journal, safety: safety.file };
    await setPhase('prepared');

    current = 'maintenance';
    await step(current);
    entered = true;
    await hooks.enterMaintenance();

    if (components.includes('postgres') && pg && journal.staging && journal.previous) {
      current = 'postgres-swap';
      await step(current);
      await renameDatabases(pg, [[pg.database, journal.previous], [journal.staging, pg.database]]);
    }

    if (components.includes('minio')) {
      current = 'objects';
      await setPhase('objects');
      await step(current);
      const r = await applyObjects(ctx, path, manifest, 'restore', opts.beforeUpload);
      objectCount = r.objectCount;
      removedObjects = r.removed;
    }

    current = 'commit';
    await step(current);
    if (components.includes('postgres') && pg) {
      const diff = sameCounts(manifest.rowCounts, await liveRowCounts(pg));
      if (diff) throw new Error(`live database after the swap does not match the backup (${diff})`);
    }
    await setPhase('committed');
    await rollBack(ctx, journal); // committed: only drops the previous database
    await clearJournal(ctx.backupDir);
    await hooks.leaveMaintenance();
    await step('done');
    return { archive: path, safety: safety.file, components, rowCounts: manifest.rowCounts, objectCount, removedObjects };
  } catch (e) {
    if (journal.phase === 'committed') throw e;
    // Whatever failed, the safety backup must not still be writing when we roll back.
    if (!safety) safety = await safetyRun.catch(() => undefined);
    const safetyNote = safety ? ` (safety backup: ${safety.file})` : '';
    const reason =
      e instanceof SafetyBackupFailed
        ? `restore not started: the safety backup failed (${e.message}); nothing was changed`
        : `restore failed during ${current}: ${(e as Error).message}`;
    try {
      await rollBack(ctx, journal);
      await clearJournal(ctx.backupDir);
    } catch (rb) {
      throw new RestoreFailed(
        `${reason}; rolling back also failed (${(rb as Error).message}). The journal is kept in the backups volume; ` +
          `the next restore/recover run retries the rollback${safetyNote}`,
        false,
      );
    } finally {
      if (entered) await hooks.leaveMaintenance().catch(() => undefined);
    }
    if (e instanceof SafetyBackupFailed) throw new RestoreFailed(reason, true);
    throw new RestoreFailed(`${reason}; the previous data is back in service${safetyNote}`, true);
  }
}
