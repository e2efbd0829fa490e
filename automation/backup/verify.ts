// Full verification of an archive: authenticate and decrypt everything, check every entry's
// size and sha256 against the manifest, and have pg_restore accept the dump's table of contents.
import { createWriteStream } from 'fs';
import { Readable } from 'stream';
import { pipeline } from 'stream/promises';
import { EntryDigest, readArchive } from './archive';
import { BackupContext, decryptionKeys, Progress } from './context';
import { ArchiveHeader, ArchiveRejected, checkEntries, HEADER_ENTRY, Manifest, MANIFEST_ENTRY, OBJECT_PREFIX, parseHeader, parseManifest, POSTGRES_ENTRY } from './manifest';
import { PAX_ETAG, PAX_META } from './objects';
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

/** What restore learns about one archived object during verification. */
export interface ArchivedObject {
  readonly size: number;
  /** Hex MD5 of the content (what S3 reports as a single-part ETag); computed only when `etag` is not recorded. */
  readonly md5?: string;
  /** The object's metadata as JSON (the entry's pax record). */
  readonly meta: string;
  /** The ETag the store had for these bytes at backup time (archives since the dump-first change). */
  readonly etag?: string;
}

export interface VerifyOptions {
  /**
   * Also hands the dump to a consumer in the same pass (restore: pg_restore into a staging
   * database, never the live one). The pass writes it to `spoolTo` at full speed, starts
   * `run` on the finished file and goes on with the next entries meanwhile. (Feeding
   * pg_restore through a pipe as the bytes arrive was measured slower: in a 1-CPU container
   * the pipe traffic and the stop-and-go of backpressure cost more than the overlap gained.)
   * Every byte has been authenticated chunk by chunk; whether the archive is whole is known
   * only when verifyPath returns, so the caller must discard what `run` built if it throws.
   * A failure of `run` is reported after the archive checks, so a damaged archive is refused as such.
   */
  readonly consumeDump?: { readonly spoolTo: string; readonly run: (dumpPath: string) => Promise<void> };
  /**
   * Gets every object entry (key, size, metadata JSON, content) in the same pass; restore
   * hashes it and keeps the bytes it will upload. Whatever it leaves unread is still hashed.
   */
  readonly consumeObject?: (key: string, size: number, meta: string, etag: string | undefined, body: Readable) => Promise<void>;
  /** Called when the dump entry starts (progress and fault injection). */
  readonly onDump?: () => Promise<void> | void;
}

/** Verification without recording the result (used inside restore). */
export async function verifyPath(ctx: BackupContext, path: string, opts: VerifyOptions = {}): Promise<VerifyResult> {
  let header: ArchiveHeader | undefined;
  let manifest: Manifest | undefined;
  let index = 0;
  // The dump's consumers run past the end of its entry; they are settled before verifyPath returns.
  let listing: Promise<Error | undefined> | undefined;
  let consuming: Promise<Error | undefined> | undefined;
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
        await opts.onDump?.();
        const failed = (e: Error): Error => e;
        if (opts.consumeDump) {
          const { spoolTo, run } = opts.consumeDump;
          await pipeline(stream, createWriteStream(spoolTo, { mode: 0o600 }));
          // From the finished file pg_restore --list reads just the table of contents.
          listing = checkDumpList(ctx.postgres, spoolTo).then(() => undefined, failed);
          consuming = run(spoolTo).then(() => undefined, failed);
        } else {
          const listed = await checkDumpList(ctx.postgres, stream).then(() => undefined, failed);
          if (listed) throw new ArchiveRejected('dump-invalid', `pg_restore --list rejects the dump: ${listed.message}`);
        }
      } else if (entry.name.startsWith(OBJECT_PREFIX)) {
        progress.add(0, 1);
        await opts.consumeObject?.(entry.name.slice(OBJECT_PREFIX.length), entry.size, entry.pax[PAX_META] ?? '{}', entry.pax[PAX_ETAG], stream);
      }
    },
    (n) => progress.add(n),
  ).catch(async (e: Error) => {
    await Promise.all([listing, consuming]);
    throw e;
  });
  const listed = await listing;
  const consumerFailure = await consuming;
  progress.done();
  if (!header) throw new ArchiveRejected('malformed', `archive has no ${HEADER_ENTRY}`);
  if (!manifest) throw new ArchiveRejected('missing-entry', `archive has no ${MANIFEST_ENTRY} (truncated?)`);
  const data = new Map<string, EntryDigest>(seen);
  data.delete(MANIFEST_ENTRY);
  checkEntries(manifest, data);
  if (listed) throw new ArchiveRejected('dump-invalid', `pg_restore --list rejects the dump: ${listed.message}`);
  if (consumerFailure) throw consumerFailure;
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
