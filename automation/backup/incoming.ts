// Host files copied into the backups volume (`imctl restore|backups verify <host path>`) land
// under a staging name, `.incoming/<token>/<name>`, never on an archive's name: a damaged or
// forged copy must not replace the genuine archive it is named like. The engine verifies it
// there and keeps it under its name only if that name is free (or already holds the same
// bytes); whatever happens, the staging folder is removed, so a refused file is never listed.
import { constants, createReadStream, promises as fsp } from 'fs';
import { createHash } from 'crypto';
import { dirname, join, relative, sep } from 'path';
import { INCOMING_DIR } from './contract';
import { ArchiveRejected } from './manifest';

export { INCOMING_DIR };

/** A staging folder no process has written to for this long is left over from a killed copy. */
export const STALE_INCOMING_MS = 24 * 3600_000;

export interface StagedArchive {
  /** Where the copy is: `<backupDir>/.incoming/<token>/<name>`. */
  readonly path: string;
  /** The archive name it is kept under once verified. */
  readonly name: string;
  readonly final: string;
}

/** The staged copy `path` stands for, or undefined when it is not in the staging folder. */
export function stagedArchive(backupDir: string, path: string): StagedArchive | undefined {
  const parts = relative(join(backupDir, INCOMING_DIR), path).split(sep);
  if (parts.length !== 2 || parts[0] === '..' || parts[0] === '' || parts[1] === '') return undefined;
  return { path, name: parts[1], final: join(backupDir, parts[1]) };
}

async function sha256(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const c of createReadStream(path, { highWaterMark: 1 << 20 })) h.update(c as Buffer);
  return h.digest('hex');
}

async function sameBytes(a: string, b: string): Promise<boolean> {
  const [sa, sb] = await Promise.all([fsp.stat(a), fsp.stat(b)]);
  return sa.size === sb.size && (await sha256(a)) === (await sha256(b));
}

/**
 * "free" when no archive has the staged copy's name, "same" when one has and holds the same
 * bytes (use it); an archive of that name with other content refuses the copy.
 */
export async function claimName(s: StagedArchive): Promise<'free' | 'same'> {
  if (!(await fsp.stat(s.final).then(() => true, () => false))) return 'free';
  if (await sameBytes(s.path, s.final)) return 'same';
  throw new ArchiveRejected(
    'name-taken',
    `an archive named ${s.name} is already in the backups volume, with other content: the host file was not copied in, and the archive there is unchanged. ` +
      `Rename the host file (another timestamp) to keep both, or restore the one in the volume by its name`,
  );
}

/** Gives the verified copy its archive name, never replacing a file (a hard link, then the staging folder goes). */
export async function keepStaged(s: StagedArchive): Promise<void> {
  try {
    await fsp.link(s.path, s.final);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // Taken meanwhile: the same rule as before the verification.
    if (code === 'EEXIST') await claimName(s);
    else if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP') await fsp.copyFile(s.path, s.final, constants.COPYFILE_EXCL);
    else throw e;
  }
}

/** Removes the staged copy's folder (kept, refused or failed alike). */
export async function discardStaged(s: StagedArchive): Promise<void> {
  await fsp.rm(dirname(s.path), { recursive: true, force: true });
}

/**
 * Removes staging folders left by a copy or a run that was killed: those no one has written to
 * for STALE_INCOMING_MS. A copy still arriving keeps its folder fresh, so it is never taken.
 */
export async function removeStaleIncoming(backupDir: string, now: Date): Promise<void> {
  const root = join(backupDir, INCOMING_DIR);
  for (const token of await fsp.readdir(root).catch(() => [] as string[])) {
    const dir = join(root, token);
    const times = [(await fsp.stat(dir).catch(() => ({ mtimeMs: now.getTime() }))).mtimeMs];
    for (const f of await fsp.readdir(dir).catch(() => [] as string[])) times.push((await fsp.stat(join(dir, f)).catch(() => ({ mtimeMs: 0 }))).mtimeMs);
    if (now.getTime() - Math.max(...times) > STALE_INCOMING_MS) await fsp.rm(dir, { recursive: true, force: true });
  }
}
