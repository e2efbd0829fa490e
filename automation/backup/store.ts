// The backups volume: archive listing, per-archive sidecar info, path resolution and the
// lock that keeps a scheduled backup and a manual restore from running at the same time.
import { promises as fsp } from 'fs';
import { basename, join, resolve } from 'path';
import { writeJsonAtomic } from './atomicFile';
import { Component, ArchiveHeader, ArchiveRejected, BackupKind } from './manifest';
import { parseArchiveName } from './naming';

/** Stored next to each archive as `<archive>.info.json`; holds no secrets and no table names. */
export interface ArchiveInfo {
  readonly file: string;
  readonly stack: string;
  readonly createdAt: string;
  readonly components: readonly Component[];
  readonly kind: BackupKind;
  readonly encrypted: boolean;
  readonly bytes: number;
  readonly objectCount: number;
  readonly lastVerified?: { readonly at: string; readonly ok: boolean; readonly reason?: string };
}

export interface LocalArchive {
  readonly file: string;
  readonly path: string;
  readonly stack: string;
  readonly createdAt: Date;
  readonly encrypted: boolean;
  readonly bytes: number;
  readonly info?: ArchiveInfo;
}

export const infoPath = (archivePath: string): string => `${archivePath}.info.json`;

/** The info file's facts for the archive at `path`, from its (just written or verified) header. */
export function archiveInfo(path: string, header: ArchiveHeader, objectCount: number, encrypted: boolean, bytes: number): ArchiveInfo {
  return { file: basename(path), stack: header.stack, createdAt: header.createdAt, components: header.components, kind: header.kind, encrypted, bytes, objectCount };
}
export const WORK_DIR = '.work';

export async function readInfo(archivePath: string): Promise<ArchiveInfo | undefined> {
  try {
    return JSON.parse(await fsp.readFile(infoPath(archivePath), 'utf8')) as ArchiveInfo;
  } catch {
    return undefined;
  }
}

export async function writeInfo(archivePath: string, info: ArchiveInfo): Promise<void> {
  await writeJsonAtomic(infoPath(archivePath), info);
}

export async function listLocal(dir: string, stack?: string): Promise<LocalArchive[]> {
  let names: string[];
  try {
    names = await fsp.readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const out: LocalArchive[] = [];
  for (const file of names) {
    const n = parseArchiveName(file);
    if (!n || (stack && n.stack !== stack)) continue;
    const path = join(dir, file);
    const st = await fsp.stat(path).catch(() => null);
    if (!st?.isFile()) continue;
    out.push({ file, path, stack: n.stack, createdAt: n.createdAt, encrypted: n.encrypted, bytes: st.size, info: await readInfo(path) });
  }
  return out.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
}

/** A bare name is looked up in the backups volume; anything with a slash is a path. */
export async function resolveArchive(dir: string, fileOrName: string): Promise<string> {
  const p = fileOrName.includes('/') ? resolve(fileOrName) : join(dir, fileOrName);
  const st = await fsp.stat(p).catch(() => null);
  if (!st?.isFile()) throw new ArchiveRejected('missing-file', `backup "${fileOrName}" not found${fileOrName.includes('/') ? '' : ` in ${dir}`}`);
  if (!parseArchiveName(basename(p))) {
    throw new ArchiveRejected('malformed', `"${basename(p)}" is not named like a backup (backup_<stack>_<YYYYMMDD_HHMMSS>.tar.gz[.enc])`);
  }
  return p;
}

export async function removeArchive(path: string): Promise<void> {
  await fsp.rm(path, { force: true });
  await fsp.rm(infoPath(path), { force: true });
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The backups volume is locked by another live process. Callers that wait or skip test for this
 * class (or, outside the job's process, for its code), never for the wording of its message.
 */
export class LockBusyError extends Error {
  readonly code = 'lock-busy' as const;
  constructor(
    /** What the holder is doing, as it named its lock ("restore", "scheduled backup", SAFETY_LOCK). */
    readonly holder: string,
    readonly pid: number,
    /** When the holder took the lock (ISO time), if its lock file says. */
    readonly since?: string,
  ) {
    super(`another backup operation is running (${holder}, pid ${pid}); try again when it has finished`);
    this.name = 'LockBusyError';
  }
}

/** The lock name of the job daemon finishing a restore's safety archive (see finishPendingRestore). */
export const SAFETY_LOCK = 'safety archive';

/**
 * Exclusive lock on the backups volume. A lock left by a killed process (its pid is gone)
 * is taken over; the interrupted work is then resolved by the restore journal. Anything else
 * holding it is an error, except the safety-archive writer, which runs right after a restore
 * and is waited for (up to `waitForSafetyMs`) rather than refused.
 */
export async function withLock<T>(dir: string, what: string, fn: () => Promise<T>, waitForSafetyMs = 30 * 60_000): Promise<T> {
  const lock = join(dir, '.lock');
  await fsp.mkdir(dir, { recursive: true });
  const deadline = Date.now() + waitForSafetyMs;
  for (let attempt = 0; ; attempt++) {
    try {
      await fsp.writeFile(lock, JSON.stringify({ pid: process.pid, what, at: new Date().toISOString() }), { flag: 'wx' });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const raw = await fsp.readFile(lock, 'utf8').catch(() => '{}');
      let holder: { pid?: number; what?: string; at?: string } = {};
      try {
        holder = JSON.parse(raw) as typeof holder;
      } catch {
        // A lock file being written right now reads as partial JSON: look again shortly.
      }
      const alive = holder.pid !== undefined && holder.pid !== process.pid && pidAlive(holder.pid);
      if (alive && holder.what === SAFETY_LOCK && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 250));
        continue;
      }
      if (alive) throw new LockBusyError(holder.what ?? 'unknown', holder.pid as number, holder.at);
      if (holder.pid === undefined && attempt < 20) {
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      await fsp.rm(lock, { force: true });
    }
  }
  try {
    return await fn();
  } finally {
    await fsp.rm(lock, { force: true });
  }
}
