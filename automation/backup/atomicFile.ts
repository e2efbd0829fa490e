// The one way the job replaces a file in the backups volume: the bytes go to another name in the
// same directory and are renamed over the target once whole, so a reader (imctl, the healthcheck,
// the job after a kill) finds the old file or the new one, never half of one.
import { promises as fsp } from 'fs';
import { basename, dirname, join } from 'path';

export interface AtomicWriteOptions {
  /** Permissions of a new file (default 0o666 less the umask). */
  readonly mode?: number;
  /** fsync before the rename: for records that must survive the crash they are there for (journal, maintenance, before.json). */
  readonly durable?: boolean;
}

/** Where `path` is written until it is whole: hidden, per process (two writers never share one). */
export function tempPathOf(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
}

/** Renames a finished file over `path`; the source is removed if the rename fails. */
export async function moveIntoPlace(from: string, path: string): Promise<void> {
  try {
    await fsp.rename(from, path);
  } catch (e) {
    await fsp.rm(from, { force: true });
    throw e;
  }
}

export async function writeFileAtomic(path: string, data: string | Buffer, opts: AtomicWriteOptions = {}): Promise<void> {
  const tmp = tempPathOf(path);
  const fh = await fsp.open(tmp, 'w', opts.mode ?? 0o666);
  try {
    await fh.writeFile(data);
    if (opts.durable) await fh.sync();
  } catch (e) {
    await fh.close();
    await fsp.rm(tmp, { force: true });
    throw e;
  }
  await fh.close();
  await moveIntoPlace(tmp, path);
}

/** JSON as the volume's records are written: two-space indent and a final newline. */
export async function writeJsonAtomic(path: string, value: unknown, opts: AtomicWriteOptions = {}): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n', opts);
}
