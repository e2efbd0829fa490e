// Full verification of an archive: authenticate and decrypt everything (a plain archive: its
// keyed MAC), check every entry's size and sha256 against the manifest, and have pg_restore
// accept the dump's table of contents.
import { createWriteStream, promises as fsp } from 'fs';
import { Readable } from 'stream';
import { pipeline } from 'stream/promises';
import { EntryDigest, readArchive } from './archive';
import { BackupContext, decryptionKeys, encrypts, Progress } from './context';
import { claimName, discardStaged, keepStaged, StagedArchive, stagedArchive } from './incoming';
import { AttributeDigest, checkMac } from './mac';
import { ArchiveHeader, ArchiveRejected, checkEntries, HEADER_ENTRY, MAC_ENTRY, Manifest, MANIFEST_ENTRY, OBJECT_PREFIX, parseHeader, parseManifest, POSTGRES_ENTRY } from './manifest';
import { PAX_ETAG, PAX_META } from './objects';
import { checkDumpList } from './postgres';
import { archiveInfo, readInfo, resolveArchive, withLock, writeInfo } from './store';

export interface VerifyResult {
  readonly path: string;
  readonly header: ArchiveHeader;
  readonly manifest: Manifest;
  readonly encrypted: boolean;
}

/** How an operator imports an archive the stack's key does not authenticate (imctl's flag). */
const IMPORT_HINT = 'To import an archive you trust (one written before encryption was switched on, or before plain archives carried a MAC), pass --allow-unencrypted';

async function readAll(s: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const c of s) {
    n += (c as Buffer).length;
    // header and manifest are small; a huge one means a hostile or broken archive.
    if (n > 64 * 1024 * 1024) throw new ArchiveRejected('malformed', 'header or manifest entry is implausibly large');
    parts.push(c as Buffer);
  }
  return Buffer.concat(parts);
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

/**
 * Verification without recording the result (used inside restore). A plain archive is refused
 * at once on a stack that encrypts, and at the end unless its MAC proves it was written with
 * this stack's key (either unless ctx.allowUnencrypted; a MAC that fails is always refused).
 */
export async function verifyPath(ctx: BackupContext, path: string, opts: VerifyOptions = {}): Promise<VerifyResult> {
  let header: ArchiveHeader | undefined;
  let manifest: Manifest | undefined;
  let manifestRaw: Buffer | undefined;
  let macRaw: Buffer | undefined;
  let encrypted = false;
  let index = 0;
  const attributes = new AttributeDigest();
  // The dump's consumers run past the end of its entry; they are settled before verifyPath returns.
  let listing: Promise<Error | undefined> | undefined;
  let consuming: Promise<Error | undefined> | undefined;
  /** A plain archive's dump: handed to the consumer only once the MAC and checksums have passed. */
  let deferredDump: string | undefined;
  const failed = (e: Error): Error => e;
  const keys = decryptionKeys(ctx);
  const progress = new Progress(ctx, 'verify');
  const seen = await readArchive(
    path,
    keys,
    async (entry, stream) => {
      const first = index++ === 0;
      if (macRaw) throw new ArchiveRejected('unexpected-entry', `entry "${entry.name}" follows ${MAC_ENTRY}, which must be last`);
      if (manifest && entry.name !== MAC_ENTRY) throw new ArchiveRejected('unexpected-entry', `entry "${entry.name}" follows ${MANIFEST_ENTRY}, which must be last`);
      if (first !== (entry.name === HEADER_ENTRY)) throw new ArchiveRejected('malformed', `${HEADER_ENTRY} must be the first entry`);
      if (entry.name !== MAC_ENTRY) attributes.add(entry.name, entry.pax);
      if (entry.name === HEADER_ENTRY) header = parseHeader((await readAll(stream)).toString('utf8'), ctx.stack);
      else if (entry.name === MANIFEST_ENTRY) {
        manifestRaw = await readAll(stream);
        manifest = parseManifest(manifestRaw.toString('utf8'), header as ArchiveHeader);
      } else if (entry.name === MAC_ENTRY) {
        if (!manifest || encrypted) throw new ArchiveRejected('unexpected-entry', `${MAC_ENTRY} belongs right after ${MANIFEST_ENTRY}, in plain archives only`);
        macRaw = await readAll(stream);
      } else if (entry.name === POSTGRES_ENTRY) {
        if (!ctx.postgres) throw new Error('cannot check the postgres dump: no postgres tools configured');
        await opts.onDump?.();
        if (opts.consumeDump) {
          const { spoolTo, run } = opts.consumeDump;
          await pipeline(stream, createWriteStream(spoolTo, { mode: 0o600 }));
          // From the finished file pg_restore --list reads just the table of contents.
          listing = checkDumpList(ctx.postgres, spoolTo).then(() => undefined, failed);
          // Encrypted: every byte passed its chunk's tag, so pg_restore may start now. Plain: the
          // bytes are proven only by the MAC at the end, and pg_restore runs the SQL it is fed.
          if (encrypted) consuming = run(spoolTo).then(() => undefined, failed);
          else deferredDump = spoolTo;
        } else {
          const listed = await checkDumpList(ctx.postgres, stream).then(() => undefined, failed);
          if (listed) throw new ArchiveRejected('dump-invalid', `pg_restore --list rejects the dump: ${listed.message}`);
        }
      } else if (entry.name.startsWith(OBJECT_PREFIX)) {
        progress.add(0, 1);
        await opts.consumeObject?.(entry.name.slice(OBJECT_PREFIX.length), entry.size, entry.pax[PAX_META] ?? '{}', entry.pax[PAX_ETAG], stream);
      }
    },
    {
      onBytes: (n) => progress.add(n),
      onFormat: (enc) => {
        encrypted = enc;
        if (!enc && encrypts(ctx) && !ctx.allowUnencrypted) {
          throw new ArchiveRejected('unencrypted', `archive is not encrypted, but this stack encrypts its backups (backup.encrypt: true): nothing proves a plain archive came from this stack. ${IMPORT_HINT}`);
        }
      },
    },
  ).catch(async (e: Error) => {
    await Promise.all([listing, consuming]);
    throw e;
  });
  const listed = await listing;
  let consumerFailure = await consuming;
  progress.done();
  if (!header) throw new ArchiveRejected('malformed', `archive has no ${HEADER_ENTRY}`);
  if (!manifest || !manifestRaw) throw new ArchiveRejected('missing-entry', `archive has no ${MANIFEST_ENTRY} (truncated?)`);
  // Without any key nothing can be authenticated (a stack configured so); with one, a plain
  // archive's manifest must carry its MAC before its checksums mean anything.
  if (!encrypted && keys.length > 0) {
    if (macRaw) checkMac(keys, macRaw, manifestRaw, attributes.digest());
    else if (!ctx.allowUnencrypted) {
      throw new ArchiveRejected('unauthenticated', `this plain archive carries no MAC (written before imstack authenticated plain archives, or its MAC was removed), so nothing proves it came from this stack. ${IMPORT_HINT}`);
    }
  }
  const data = new Map<string, EntryDigest>(seen);
  data.delete(MANIFEST_ENTRY);
  data.delete(MAC_ENTRY);
  checkEntries(manifest, data);
  if (listed) throw new ArchiveRejected('dump-invalid', `pg_restore --list rejects the dump: ${listed.message}`);
  if (deferredDump && opts.consumeDump) consumerFailure = await opts.consumeDump.run(deferredDump).then(() => undefined, failed);
  if (consumerFailure) throw consumerFailure;
  return { path, header, manifest, encrypted };
}

/**
 * `imctl backups verify`: verifies and records the outcome in the archive's info file. A staged
 * host copy is verified where it landed and kept under its name only if it passes (see incoming.ts).
 */
export async function verify(ctx: BackupContext, fileOrName: string): Promise<VerifyResult> {
  const path = await resolveArchive(ctx.backupDir, fileOrName);
  const staged = stagedArchive(ctx.backupDir, path);
  if (!staged) return verifyRecorded(ctx, path);
  // Under the lock: a backup choosing a free name meanwhile must not collide with the kept copy.
  return withLock(ctx.backupDir, 'verify', async () => {
    try {
      if ((await claimName(staged)) === 'same') return await verifyRecorded(ctx, staged.final);
      return await keepVerified(staged, await verifyPath(ctx, staged.path), new Date().toISOString());
    } finally {
      await discardStaged(staged);
    }
  });
}

async function verifyRecorded(ctx: BackupContext, path: string): Promise<VerifyResult> {
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

/** Keeps a staged copy that passed verification under its name, with the info file describing it. */
export async function keepVerified(staged: StagedArchive, r: VerifyResult, at: string): Promise<VerifyResult> {
  await keepStaged(staged);
  const { size } = await fsp.stat(staged.final);
  await writeInfo(staged.final, { ...archiveInfo(staged.final, r.header, r.manifest.objectCount, r.encrypted, size), lastVerified: { at, ok: true } });
  return { ...r, path: staged.final };
}

async function recordVerification(path: string, lastVerified: { at: string; ok: boolean; reason?: string }): Promise<void> {
  const info = await readInfo(path);
  if (info) await writeInfo(path, { ...info, lastVerified }).catch(() => undefined);
}
