// Writes one archive: header.json, postgres.dump, objects/<key>..., redis.rdb, manifest.json.
import { spawn } from 'child_process';
import { promises as fsp } from 'fs';
import { join } from 'path';
import { ArchiveWriter } from './archive';
import { BackupContext, encrypts, nowOf, Progress, sealing } from './context';
import type { FailureReason } from './contract';
import { tagStage } from './failureStage';
import { ArchiveHeader, BackupKind, Component, FORMAT_VERSION, HEADER_ENTRY, Manifest, MANIFEST_ENTRY, OBJECT_PREFIX, POSTGRES_ENTRY, REDIS_ENTRY } from './manifest';
import { archiveFileName } from './naming';
import { objectsForArchive, PAX_ETAG, PAX_META, s3Client } from './objects';
import { dumpDatabase, pgDumpVersion } from './postgres';
import { archiveInfo, WORK_DIR, writeInfo, withLock } from './store';

export interface BackupOptions {
  readonly components: readonly Component[];
  readonly kind?: BackupKind;
}

export interface BackupResult {
  readonly file: string;
  readonly path: string;
  readonly bytes: number;
  readonly manifest: Manifest;
  readonly durationMs: number;
}

/** Picks a file name not yet taken (two backups in the same second get consecutive seconds). */
export async function freeName(ctx: BackupContext, at: Date, encrypted: boolean): Promise<{ file: string; createdAt: Date }> {
  for (let i = 0; i < 60; i++) {
    const createdAt = new Date(Math.floor(at.getTime() / 1000) * 1000 + i * 1000);
    const file = archiveFileName(ctx.stack, createdAt, encrypted);
    const taken = await fsp.stat(join(ctx.backupDir, file)).then(() => true, () => false);
    if (!taken) return { file, createdAt };
  }
  throw new Error('no free archive name within a minute of now');
}

function redisRdb(ctx: BackupContext, out: string): Promise<string> {
  const r = ctx.redis;
  if (!r) throw new Error('component redis requested but no redis target is configured');
  return new Promise((resolve, reject) => {
    // REDISCLI_AUTH keeps the password out of the process arguments.
    const child = spawn('redis-cli', ['-h', r.host, '-p', String(r.port), '--no-auth-warning', '--rdb', out], {
      env: { ...process.env, REDISCLI_AUTH: r.password ?? '' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-2000)));
    child.on('error', (e) => reject(new Error(`redis-cli could not start (${e.message}); the redis component needs redis-cli in the job image`)));
    child.on('close', (code) => (code === 0 ? resolve('redis-cli') : reject(new Error(`redis-cli --rdb exited with ${code}: ${err.trim()}`))));
  });
}

/**
 * Ends an archive: the manifest (header fields, tools, every written entry's digest, counts)
 * as its last entry, the rename into place, and the sidecar info file. Shared by backups and
 * the safety archive a restore writes afterwards.
 */
export async function sealArchive(
  ctx: BackupContext,
  writer: ArchiveWriter,
  path: string,
  header: ArchiveHeader,
  content: Pick<Manifest, 'tools' | 'rowCounts' | 'objectCount' | 'objectBytes'>,
): Promise<{ manifest: Manifest; bytes: number }> {
  const manifest: Manifest = { ...header, ...content, database: ctx.postgres?.database, bucket: ctx.s3?.bucket, entries: writer.written() };
  await writer.finish(MANIFEST_ENTRY, Buffer.from(JSON.stringify(manifest)));
  const bytes = (await fsp.stat(path)).size;
  await writeInfo(path, archiveInfo(path, header, content.objectCount, encrypts(ctx), bytes));
  return { manifest, bytes };
}

/** Runs a backup without taking the volume lock (restore calls it while holding the lock). */
export async function backupUnlocked(ctx: BackupContext, opts: BackupOptions): Promise<BackupResult> {
  const started = Date.now();
  const components = [...new Set(opts.components)];
  const config = (m: string): Error => tagStage(new Error(m), 'config');
  if (components.length === 0) throw config('nothing to back up: no components selected');
  if (components.includes('postgres') && !ctx.postgres) throw config('component postgres requested but no postgres connection is configured');
  if (components.includes('minio') && !ctx.s3) throw config('component minio requested but no S3 target is configured');
  if (components.includes('redis') && !ctx.redis) throw config('component redis requested but no redis target is configured');
  // Where a failure is counted (FAILURE_REASONS); the archive's own writing is the rest.
  let stage: FailureReason = 'archive';
  try {
    return await writeBackup(ctx, components, opts, started, (s) => (stage = s));
  } catch (e) {
    throw tagStage(e, stage);
  }
}

async function writeBackup(
  ctx: BackupContext,
  components: readonly Component[],
  opts: BackupOptions,
  started: number,
  enter: (stage: FailureReason) => void,
): Promise<BackupResult> {
  await fsp.mkdir(ctx.backupDir, { recursive: true });
  const { file, createdAt } = await freeName(ctx, nowOf(ctx), encrypts(ctx));
  const path = join(ctx.backupDir, file);
  const work = join(ctx.backupDir, WORK_DIR, file);
  await fsp.mkdir(work, { recursive: true });
  const progress = new Progress(ctx, 'backup');
  const writer = new ArchiveWriter({ path, ...sealing(ctx), gzipLevel: ctx.gzipLevel, onBytes: (n) => progress.add(n) });
  const header: ArchiveHeader = { formatVersion: FORMAT_VERSION, stack: ctx.stack, createdAt: createdAt.toISOString(), components, kind: opts.kind ?? 'manual' };
  const tools: Record<string, string> = { node: process.version };
  let rowCounts: Record<string, number> = {};
  let objectCount = 0;
  let objectBytes = 0;
  try {
    await writer.addBuffer(HEADER_ENTRY, Buffer.from(JSON.stringify(header)));
    // The dump goes first: a restore then feeds it to pg_restore while it is still reading
    // the objects, which halves its wall time. pg_dump needs the entry size up front, so it
    // spools; the objects stream straight from the bucket afterwards.
    if (components.includes('postgres') && ctx.postgres) {
      enter('postgres');
      ctx.onProgress?.({ type: 'phase', phase: 'backup', detail: 'dumping postgres' });
      tools.pg_dump = await pgDumpVersion(ctx.postgres);
      const dumpSpool = join(work, POSTGRES_ENTRY);
      rowCounts = (await dumpDatabase(ctx.postgres, dumpSpool, ctx.dumpCompression ?? 1)).rowCounts;
      ctx.onProgress?.({ type: 'phase', phase: 'backup', detail: 'adding the postgres dump' });
      await writer.addFile(POSTGRES_ENTRY, dumpSpool);
      await fsp.rm(dumpSpool, { force: true });
    }
    if (components.includes('minio') && ctx.s3) {
      enter('objects');
      ctx.onProgress?.({ type: 'phase', phase: 'backup', detail: `copying objects from bucket ${ctx.s3.bucket}` });
      const client = s3Client(ctx.s3);
      for await (const o of objectsForArchive(client, ctx.s3.bucket)) {
        const { body, etag } = await o.open();
        await writer.addStream(OBJECT_PREFIX + o.key, o.size, body, { [PAX_META]: JSON.stringify(o.meta), ...(etag ? { [PAX_ETAG]: etag } : {}) });
        objectCount++;
        objectBytes += o.size;
        progress.add(0, 1);
      }
    }
    if (components.includes('redis')) {
      enter('redis');
      ctx.onProgress?.({ type: 'phase', phase: 'backup', detail: 'saving redis RDB' });
      const spool = join(work, REDIS_ENTRY);
      tools.redis = await redisRdb(ctx, spool);
      await writer.addFile(REDIS_ENTRY, spool);
      await fsp.rm(spool, { force: true });
    }
    enter('archive');
    const { manifest, bytes } = await sealArchive(ctx, writer, path, header, { tools, rowCounts, objectCount, objectBytes });
    progress.done();
    return { file, path, bytes, manifest, durationMs: Date.now() - started };
  } catch (e) {
    await writer.abort(e as Error);
    throw e;
  } finally {
    await fsp.rm(work, { recursive: true, force: true });
  }
}

export async function backup(ctx: BackupContext, opts: BackupOptions): Promise<BackupResult> {
  return withLock(ctx.backupDir, 'backup', () => backupUnlocked(ctx, opts));
}
