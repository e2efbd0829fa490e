// What a restore keeps of the data it replaces.
// - Objects about to be overwritten or removed are copied into an encrypted archive in the
//   restore's work folder *before* the bucket changes (the rest of the bucket already equals the
//   archive being restored, so its bytes are not copied twice).
// - The previous database is not dumped first: the swap renames it aside, intact, and nothing
//   connects to it afterwards.
// - Once the restored data is in service, the safety archive is written from those two, plus the
//   unchanged objects read from the restored archive: a complete, ordinary archive of the data as
//   it was. Only then are the previous database and the work folder dropped.
import { promises as fsp } from 'fs';
import { join } from 'path';
import { Readable } from 'stream';
import type * as Minio from 'minio';
import { ArchiveWriter, readArchive } from './archive';
import { writeFileAtomic } from './atomicFile';
import { sealArchive } from './backup';
import { BackupContext, decryptionKeys, Progress, sealing } from './context';
import { RestoreJournal } from './journal';
import { ArchiveHeader, FORMAT_VERSION, HEADER_ENTRY, OBJECT_PREFIX, POSTGRES_ENTRY } from './manifest';
import { parseArchiveName } from './naming';
import { DEFAULT_CONCURRENCY, objectsForArchive, PAX_ETAG, PAX_META } from './objects';
import { databaseExists, dumpDatabase, pgDumpVersion } from './postgres';
import { WORK_DIR } from './store';

/** One object as the bucket held it when the restore changed it; `saved` indexes journal.saved, -1 = left untouched. */
export type BeforeEntry = readonly [key: string, size: number, etag: string, saved: number];

export const BEFORE_FILE = 'before.json';

export async function writeBefore(work: string, entries: readonly BeforeEntry[]): Promise<void> {
  // One entry per line keeps a big bucket's list cheap to write and to read back.
  await writeFileAtomic(join(work, BEFORE_FILE), '[\n' + entries.map((e) => JSON.stringify(e)).join(',\n') + '\n]\n', { mode: 0o600, durable: true });
}

export async function readBefore(work: string): Promise<BeforeEntry[]> {
  return JSON.parse(await fsp.readFile(join(work, BEFORE_FILE), 'utf8')) as BeforeEntry[];
}

/**
 * Copies `keys` from the bucket into an archive at `path` (encrypted with the stack's key) and
 * returns the ETag each copy was taken at. Nothing in the bucket changes.
 */
export async function saveObjects(ctx: BackupContext, client: Minio.Client, bucket: string, keys: readonly string[], path: string): Promise<Map<string, string>> {
  const progress = new Progress(ctx, 'safety-copy');
  const writer = new ArchiveWriter({ path, ...sealing(ctx), gzipLevel: ctx.gzipLevel, onBytes: (n) => progress.add(n) });
  const etags = new Map<string, string>();
  try {
    for await (const o of objectsForArchive(client, bucket, DEFAULT_CONCURRENCY, [...keys].sort())) {
      const { body, etag } = await o.open();
      await writer.addStream(OBJECT_PREFIX + o.key, o.size, body, { [PAX_META]: JSON.stringify(o.meta), ...(etag ? { [PAX_ETAG]: etag } : {}) });
      etags.set(o.key, etag);
      progress.add(0, 1);
    }
    await writer.finish('saved.json', Buffer.from(JSON.stringify({ count: etags.size })));
    progress.done();
    return etags;
  } catch (e) {
    await writer.abort(e as Error);
    throw e;
  }
}

/** Streams the object entries of `archive` whose key is in `keys` into `take`, then stops reading. */
export async function readObjectsFrom(
  ctx: BackupContext,
  archive: string,
  keys: ReadonlySet<string>,
  take: (key: string, size: number, pax: Readonly<Record<string, string>>, body: Readable) => Promise<void>,
): Promise<void> {
  if (keys.size === 0) return;
  let left = keys.size;
  const stop = new Error('all wanted entries read');
  try {
    await readArchive(archive, decryptionKeys(ctx), async (entry, stream) => {
      if (!entry.name.startsWith(OBJECT_PREFIX)) return;
      const key = entry.name.slice(OBJECT_PREFIX.length);
      if (!keys.has(key)) return;
      await take(key, entry.size, entry.pax, stream);
      // The rest of a big archive (often the whole dump) need not be decrypted.
      if (--left === 0) throw stop;
    });
  } catch (e) {
    if (e !== stop) throw e;
  }
  if (left > 0) throw new Error(`${archive} lacks ${left} of the objects it should hold`);
}

/**
 * Writes the journal's safety archive, unless a complete one is already there (a previous
 * attempt got that far). Reads only frozen sources: the renamed previous database, the saved
 * objects and the restored archive; never the live data, which is in service again.
 */
export async function writeSafetyArchive(ctx: BackupContext, j: RestoreJournal): Promise<void> {
  const path = join(ctx.backupDir, j.safety);
  if (await fsp.stat(path).then(() => true, () => false)) return;
  const name = parseArchiveName(j.safety);
  if (!name) throw new Error(`journal names an invalid safety archive "${j.safety}"`);
  const pg = ctx.postgres;
  const components = j.components.filter((c) => c === 'postgres' || c === 'minio');
  if (components.includes('postgres') && (!pg || !j.previous || !(await databaseExists(pg, j.previous)))) {
    throw new Error(`the previous database ${j.previous ?? '(unnamed)'} is gone; the safety archive cannot be written`);
  }
  ctx.onProgress?.({ type: 'phase', phase: 'safety', detail: `writing ${j.safety} (the data as it was before the restore)` });
  const progress = new Progress(ctx, 'safety');
  const writer = new ArchiveWriter({ path, ...sealing(ctx), gzipLevel: ctx.gzipLevel, onBytes: (n) => progress.add(n) });
  const header: ArchiveHeader = { formatVersion: FORMAT_VERSION, stack: ctx.stack, createdAt: name.createdAt.toISOString(), components, kind: 'safety' };
  const tools: Record<string, string> = { node: process.version };
  const spool = join(ctx.backupDir, WORK_DIR, `safety-${j.safety}`);
  let rowCounts: Record<string, number> = {};
  let objectCount = 0;
  let objectBytes = 0;
  try {
    await writer.addBuffer(HEADER_ENTRY, Buffer.from(JSON.stringify(header)));
    if (components.includes('minio')) {
      if (!j.work) throw new Error('journal has no work folder for the saved objects');
      const before = await readBefore(j.work);
      const add = async (key: string, size: number, pax: Readonly<Record<string, string>>, body: Readable): Promise<void> => {
        await writer.addStream(OBJECT_PREFIX + key, size, body, { [PAX_META]: pax[PAX_META] ?? '{}', ...(pax[PAX_ETAG] ? { [PAX_ETAG]: pax[PAX_ETAG] } : {}) });
        objectCount++;
        objectBytes += size;
        progress.add(0, 1);
      };
      // Untouched objects equal the restored archive's (same key, size, MD5 and metadata).
      await readObjectsFrom(ctx, j.archive, new Set(before.filter((e) => e[3] === -1).map((e) => e[0])), add);
      const saved = j.saved ?? [];
      for (let i = 0; i < saved.length; i++) {
        await readObjectsFrom(ctx, saved[i], new Set(before.filter((e) => e[3] === i).map((e) => e[0])), add);
      }
      if (objectCount !== before.length) throw new Error(`safety archive has ${objectCount} objects, the bucket had ${before.length}`);
    }
    if (components.includes('postgres') && pg && j.previous) {
      const previous = { ...pg, database: j.previous };
      tools.pg_dump = await pgDumpVersion(previous);
      await fsp.mkdir(join(ctx.backupDir, WORK_DIR), { recursive: true });
      rowCounts = (await dumpDatabase(previous, spool, ctx.dumpCompression ?? 1)).rowCounts;
      await writer.addFile(POSTGRES_ENTRY, spool);
    }
    await sealArchive(ctx, writer, path, header, { tools, rowCounts, objectCount, objectBytes });
    progress.done();
  } catch (e) {
    await writer.abort(e as Error);
    throw e;
  } finally {
    await fsp.rm(spool, { force: true });
  }
}
