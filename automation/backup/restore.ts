// Restore that never half-applies:
//   verify the whole archive -> safety backup -> journal -> maintenance on ->
//   pg_restore into <db>_restore_<ts> -> atomic rename swap (old kept as <db>_pre_restore_<ts>) ->
//   objects made exactly equal to the archive and checked -> commit -> maintenance off.
// Any failure rolls back (swap undone, objects restored from the safety backup); a killed
// process is rolled back by recoverInterrupted() on the next run.
import { createWriteStream, promises as fsp } from 'fs';
import { join } from 'path';
import { pipeline } from 'stream/promises';
import { readArchive } from './archive';
import { backupUnlocked, BackupResult } from './backup';
import { BackupContext, decryptionKeys, nowOf, Progress } from './context';
import { clearJournal, readJournal, RestoreJournal, RestorePhase, writeJournal } from './journal';
import { Component, Manifest, OBJECT_PREFIX, POSTGRES_ENTRY } from './manifest';
import { formatTimestamp } from './naming';
import { ensureBucket, listObjects, PAX_META, putObjectChecked, removeOthers, s3Client } from './objects';
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

const noHooks: RestoreHooks = { enterMaintenance: async () => undefined, leaveMaintenance: async () => undefined };

function sameCounts(a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>): string | null {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) if (a[k] !== b[k]) return `${k}: expected ${a[k] ?? 'no table'}, found ${b[k] ?? 'no table'}`;
  return null;
}

/**
 * Makes the bucket exactly equal to the objects in `archivePath`: uploads every archived
 * object, removes the others, then checks count, sizes and ETags.
 */
async function applyObjects(ctx: BackupContext, archivePath: string, manifest: Manifest, progressPhase: string): Promise<{ objectCount: number; removed: number }> {
  const s3 = ctx.s3;
  if (!s3) throw new Error('no S3 target configured');
  const client = s3Client(s3);
  await ensureBucket(client, s3.bucket, s3.region);
  const progress = new Progress(ctx, progressPhase);
  const etags = new Map<string, string>();
  await readArchive(archivePath, decryptionKeys(ctx), async (entry, stream) => {
    if (!entry.name.startsWith(OBJECT_PREFIX)) return;
    const key = entry.name.slice(OBJECT_PREFIX.length);
    const meta = JSON.parse(entry.pax[PAX_META] ?? '{}') as Record<string, string>;
    etags.set(key, await putObjectChecked(client, s3.bucket, key, entry.size, stream, meta));
    progress.add(entry.size, 1);
  });
  const expected = new Map(manifest.entries.filter((e) => e.name.startsWith(OBJECT_PREFIX)).map((e) => [e.name.slice(OBJECT_PREFIX.length), e.size]));
  const removed = await removeOthers(client, s3.bucket, new Set(expected.keys()));
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

    // 1. Verify everything before touching anything.
    await step('verify');
    const path = await resolveArchive(ctx.backupDir, fileOrName);
    const { manifest } = await verifyPath(ctx, path);
    const wanted: Component[] = opts.postgresOnly ? ['postgres'] : opts.minioOnly ? ['minio'] : ['postgres', 'minio'];
    const components = wanted.filter((c) => manifest.components.includes(c));
    if (components.length === 0) throw new Error(`backup ${fileOrName} holds ${manifest.components.join(', ')}; nothing to restore for ${wanted.join(', ')}`);
    if (components.includes('postgres') && !ctx.postgres) throw new Error('no postgres connection configured');
    if (components.includes('minio') && !ctx.s3) throw new Error('no S3 target configured');
    const pg = ctx.postgres;

    // 2. Safety backup of exactly what is about to be replaced.
    await step('safety-backup');
    let safety: BackupResult;
    try {
      safety = await backupUnlocked(ctx, { components, kind: 'safety' });
    } catch (e) {
      throw new RestoreFailed(`restore not started: the safety backup failed (${(e as Error).message}); nothing was changed`, true);
    }

    const ts = formatTimestamp(nowOf(ctx)).toLowerCase();
    let journal: RestoreJournal = {
      archive: fileOrName,
      safety: safety.file,
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
    let current: RestoreStep = 'maintenance';
    let objectCount = 0;
    let removedObjects = 0;
    try {
      await step('maintenance');
      await hooks.enterMaintenance();

      if (components.includes('postgres') && pg && journal.staging && journal.previous) {
        current = 'postgres-staging';
        await step(current);
        const work = join(ctx.backupDir, WORK_DIR, 'restore');
        await fsp.mkdir(work, { recursive: true });
        const dump = join(work, POSTGRES_ENTRY);
        // Spooled to a file: pg_restore from a pipe cannot handle every dump's ordering.
        await readArchive(path, decryptionKeys(ctx), async (entry, stream) => {
          if (entry.name === POSTGRES_ENTRY) await pipeline(stream, createWriteStream(dump, { mode: 0o600 }));
        });
        if (await databaseExists(pg, journal.staging)) await dropDatabase(pg, journal.staging);
        const staged = await restoreIntoStaging(pg, journal.staging, dump);
        await fsp.rm(work, { recursive: true, force: true });
        const diff = sameCounts(manifest.rowCounts, staged);
        if (diff) throw new Error(`restored database does not match the backup's row counts (${diff})`);
        current = 'postgres-swap';
        await step(current);
        await renameDatabases(pg, [[pg.database, journal.previous], [journal.staging, pg.database]]);
      }

      if (components.includes('minio')) {
        current = 'objects';
        await setPhase('objects');
        await step(current);
        const r = await applyObjects(ctx, path, manifest, 'restore');
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
      const reason = `restore failed during ${current}: ${(e as Error).message}`;
      try {
        await rollBack(ctx, journal);
        await clearJournal(ctx.backupDir);
      } catch (rb) {
        throw new RestoreFailed(
          `${reason}; rolling back also failed (${(rb as Error).message}). The journal is kept in the backups volume; ` +
            `the next restore/recover run retries the rollback (safety backup: ${safety.file})`,
          false,
        );
      } finally {
        await hooks.leaveMaintenance().catch(() => undefined);
      }
      throw new RestoreFailed(`${reason}; the previous data is back in service (safety backup: ${safety.file})`, true);
    }
  });
}
