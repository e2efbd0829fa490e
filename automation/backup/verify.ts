// Full verification of an archive: authenticate and decrypt everything, check every entry's
// size and sha256 against the manifest, and have pg_restore accept the dump's table of contents.
import { createWriteStream } from 'fs';
import { Readable } from 'stream';
import { pipeline } from 'stream/promises';
import { EntryDigest, readArchive } from './archive';
import { BackupContext, decryptionKeys, Progress } from './context';
import { ArchiveHeader, ArchiveRejected, checkEntries, HEADER_ENTRY, Manifest, MANIFEST_ENTRY, parseHeader, parseManifest, POSTGRES_ENTRY } from './manifest';
import { checkDumpList } from './postgres';
import { readInfo, resolveArchive, writeInfo } from './store';

export interface VerifyResult {
  readonly path: string;
  readonly manifest: Manifest;
}

async function readAll(s: Readable): Promise<string> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const c of s) {
    n += (c as Buffer).length;
    // header and manifest are small; a huge one means a hostile or broken archive.
    if (n > 64 * 1024 * 1024) throw new ArchiveRejected('malformed', 'header or manifest entry is implausibly large');
    parts.push(c as Buffer);
  }
  return Buffer.concat(parts).toString('utf8');
}

export interface VerifyOptions {
  /**
   * Also write the dump here during the same pass (restore uses it after verifyPath has
   * returned, i.e. after the whole archive is authenticated, so it is never decrypted twice).
   */
  readonly extractDumpTo?: string;
}

/** Verification without recording the result (used inside restore). */
export async function verifyPath(ctx: BackupContext, path: string, opts: VerifyOptions = {}): Promise<VerifyResult> {
  let header: ArchiveHeader | undefined;
  let manifest: Manifest | undefined;
  let index = 0;
  const progress = new Progress(ctx, 'verify');
  const seen = await readArchive(
    path,
    decryptionKeys(ctx),
    async (entry, stream) => {
      const first = index++ === 0;
      if (manifest) throw new ArchiveRejected('unexpected-entry', `entry "${entry.name}" follows ${MANIFEST_ENTRY}, which must be last`);
      if (first !== (entry.name === HEADER_ENTRY)) throw new ArchiveRejected('malformed', `${HEADER_ENTRY} must be the first entry`);
      if (entry.name === HEADER_ENTRY) header = parseHeader(await readAll(stream), ctx.stack);
      else if (entry.name === MANIFEST_ENTRY) manifest = parseManifest(await readAll(stream), header as ArchiveHeader);
      else if (entry.name === POSTGRES_ENTRY) {
        if (!ctx.postgres) throw new Error('cannot check the postgres dump: no postgres tools configured');
        let source: Readable | string = stream;
        if (opts.extractDumpTo) {
          await pipeline(stream, createWriteStream(opts.extractDumpTo, { mode: 0o600 }));
          source = opts.extractDumpTo;
        }
        await checkDumpList(ctx.postgres, source).catch((e: Error) => {
          throw new ArchiveRejected('dump-invalid', `pg_restore --list rejects the dump: ${e.message}`);
        });
      } else if (entry.name.startsWith('objects/')) progress.add(0, 1);
    },
    (n) => progress.add(n),
  );
  progress.done();
  if (!header) throw new ArchiveRejected('malformed', `archive has no ${HEADER_ENTRY}`);
  if (!manifest) throw new ArchiveRejected('missing-entry', `archive has no ${MANIFEST_ENTRY} (truncated?)`);
  const data = new Map<string, EntryDigest>(seen);
  data.delete(MANIFEST_ENTRY);
  checkEntries(manifest, data);
  return { path, manifest };
}

/** `imctl backups verify`: verifies and records the outcome in the archive's info file. */
export async function verify(ctx: BackupContext, fileOrName: string): Promise<VerifyResult> {
  const path = await resolveArchive(ctx.backupDir, fileOrName);
  const at = new Date().toISOString();
  try {
    const r = await verifyPath(ctx, path);
    await recordVerification(path, { at, ok: true });
    return r;
  } catch (e) {
    await recordVerification(path, { at, ok: false, reason: (e as Error).message });
    throw e;
  }
}

async function recordVerification(path: string, lastVerified: { at: string; ok: boolean; reason?: string }): Promise<void> {
  const info = await readInfo(path);
  if (info) await writeInfo(path, { ...info, lastVerified }).catch(() => undefined);
}
