// Streaming tar.gz (optionally encrypted) writer and reader. Memory stays flat: entries are
// piped through, never buffered whole; entries whose size is not known up front are spooled
// to a temp file by the caller (see spool.ts) because tar needs the size in each header.
import { createHash } from 'crypto';
import { createReadStream, createWriteStream, promises as fsp } from 'fs';
import { Readable, Transform, TransformCallback, Writable } from 'stream';
import { pipeline } from 'stream/promises';
import * as zlib from 'zlib';
import * as tar from 'tar-stream';
import { moveIntoPlace } from './atomicFile';
import { archiveFormat, damagedHeader, DecryptError, DecryptStream, EncryptStream, HEADER_LEN } from './crypto';
import { AttributeDigest, macEntry } from './mac';
import { ArchiveRejected, MAC_ENTRY, ManifestEntry, RejectionCode } from './manifest';

export interface EntryDigest {
  readonly size: number;
  readonly sha256: string;
}

/** Pass-through that hashes and counts what flows by. */
export class HashCounter extends Transform {
  private readonly hash = createHash('sha256');
  bytes = 0;
  constructor(private readonly onBytes?: (n: number) => void) {
    super();
  }
  _transform(chunk: Buffer, _e: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    this.onBytes?.(chunk.length);
    cb(null, chunk);
  }
  digest(): EntryDigest {
    return { size: this.bytes, sha256: this.hash.digest('hex') };
  }
}

export interface ArchiveWriterOptions {
  /** Final path; data goes to `<path>.partial` and is renamed only when complete. */
  readonly path: string;
  /**
   * The stack's key: the archive is encrypted with AES-256-GCM (STREAM) under it, or, with
   * `encrypt: false`, written plain and ended with the keyed MAC (mac.ts). Unset: plain, no MAC.
   */
  readonly backupKey?: string;
  /** Default true; false writes a plain archive that the MAC authenticates. */
  readonly encrypt?: boolean;
  readonly gzipLevel?: number;
  readonly onBytes?: (n: number) => void;
}

export class ArchiveWriter {
  private readonly pack = tar.pack();
  private readonly done: Promise<void>;
  private readonly entries: ManifestEntry[] = [];
  /** Set when the archive is plain and MACed: every entry's own attributes go into it. */
  private readonly attributes?: AttributeDigest;
  readonly partialPath: string;

  constructor(private readonly opts: ArchiveWriterOptions) {
    this.partialPath = `${opts.path}.partial`;
    const stages: (NodeJS.ReadableStream | NodeJS.WritableStream)[] = [this.pack as unknown as Readable, zlib.createGzip({ level: opts.gzipLevel ?? 0, chunkSize: 256 * 1024 })];
    if (opts.backupKey && opts.encrypt !== false) stages.push(new EncryptStream(opts.backupKey));
    else if (opts.backupKey) this.attributes = new AttributeDigest();
    stages.push(createWriteStream(this.partialPath, { mode: 0o600 }));
    this.done = (pipeline as (...s: unknown[]) => Promise<void>)(...stages);
    // Avoid an unhandled rejection before finish() awaits it; the error resurfaces there.
    this.done.catch(() => undefined);
  }

  /** Adds an entry whose size is known; the stream must deliver exactly `size` bytes. */
  async addStream(name: string, size: number, source: Readable, pax?: Record<string, string>): Promise<EntryDigest> {
    const hasher = new HashCounter(this.opts.onBytes);
    this.attributes?.add(name, pax);
    await new Promise<void>((resolve, reject) => {
      const header: Partial<tar.Header> & { name: string } = { name, size, mode: 0o600, mtime: new Date(0), type: 'file' };
      if (pax) header.pax = pax;
      const entry = this.pack.entry(header, (err?: Error | null) => (err ? reject(err) : resolve()));
      entry.on('error', (e: Error) => reject(new Error(`entry "${name}": ${e.message} (expected ${size} bytes; source changed during backup?)`)));
      source.on('error', (e) => {
        entry.destroy(e);
        reject(e);
      });
      hasher.on('error', reject);
      source.pipe(hasher).pipe(entry as unknown as Writable);
    });
    const d = hasher.digest();
    if (d.size !== size) throw new Error(`entry "${name}" delivered ${d.size} bytes, expected ${size} (source changed during backup?)`);
    this.entries.push({ name, ...d });
    return d;
  }

  async addBuffer(name: string, data: Buffer): Promise<EntryDigest> {
    return this.addStream(name, data.length, Readable.from([data]));
  }

  async addFile(name: string, path: string): Promise<EntryDigest> {
    const { size } = await fsp.stat(path);
    return this.addStream(name, size, createReadStream(path));
  }

  /** Entries written so far (the manifest lists these). */
  written(): readonly ManifestEntry[] {
    return this.entries;
  }

  /**
   * Writes the last entry (not listed in itself) and, in a MACed plain archive, its MAC; then
   * finishes the stream and renames into place.
   */
  async finish(lastName: string, last: Buffer): Promise<void> {
    const put = (name: string, data: Buffer): Promise<void> =>
      new Promise<void>((resolve, reject) => {
        this.pack.entry({ name, size: data.length, mode: 0o600, mtime: new Date(0) }, data, (err?: Error | null) => (err ? reject(err) : resolve()));
      });
    await put(lastName, last);
    if (this.attributes) await put(MAC_ENTRY, macEntry(this.opts.backupKey as string, last, this.attributes.digest()));
    this.pack.finalize();
    await this.done;
    await moveIntoPlace(this.partialPath, this.opts.path);
  }

  async abort(err: Error): Promise<void> {
    this.pack.destroy(err);
    await this.done.catch(() => undefined);
    await fsp.rm(this.partialPath, { force: true });
  }
}

export interface ReadEntry {
  readonly name: string;
  readonly size: number;
  readonly pax: Readonly<Record<string, string>>;
}

export interface ReadOptions {
  readonly onBytes?: (n: number) => void;
  /** Told whether the archive is encrypted before any entry is read; may throw to refuse it. */
  readonly onFormat?: (encrypted: boolean) => void;
}

/** Opens the archive and judges its first bytes: encrypted, plain, or refused with a reason. */
async function openFormat(path: string): Promise<boolean> {
  let fh;
  try {
    fh = await fsp.open(path, 'r');
  } catch (e) {
    throw new ArchiveRejected('missing-file', `cannot open archive ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const first = Buffer.alloc(HEADER_LEN);
  const { bytesRead } = await fh.read(first, 0, HEADER_LEN, 0).finally(() => fh.close());
  const format = archiveFormat(first.subarray(0, bytesRead));
  const enc = path.endsWith('.enc');
  if (format === 'damaged-header') throw translateReadError(damagedHeader('its magic bytes'));
  if (format === 'plain' && enc) throw new ArchiveRejected('malformed', 'file is named .enc but is a plain (unencrypted) archive');
  if (format === 'unknown') {
    if (bytesRead < 2) throw new ArchiveRejected('truncated', `archive is truncated: it holds only ${bytesRead} bytes`);
    throw new ArchiveRejected(
      enc ? 'damaged-header' : 'malformed',
      enc ? "the archive's first bytes are damaged: it is neither an encrypted nor a plain imstack archive" : 'not an imstack archive, or a corrupt one: neither gzip nor encrypted (are its first bytes damaged?)',
    );
  }
  return format === 'encrypted';
}

/**
 * Reads an archive entry by entry. `onEntry` must consume (or ignore) the stream; ignored
 * streams are drained. Every entry is hashed, and the digests are returned by name.
 */
export async function readArchive(
  path: string,
  backupKey: string | readonly string[] | undefined,
  onEntry: (entry: ReadEntry, stream: Readable) => Promise<void>,
  opts: ReadOptions = {},
): Promise<Map<string, EntryDigest>> {
  const encrypted = await openFormat(path);
  opts.onFormat?.(encrypted);

  const seen = new Map<string, EntryDigest>();
  const extract = tar.extract();
  const consume = (async () => {
    for await (const raw of extract as unknown as AsyncIterable<Readable & { header: tar.Header }>) {
      const h = raw.header;
      if (h.type !== 'file') {
        raw.resume();
        continue;
      }
      if (seen.has(h.name)) throw new ArchiveRejected('malformed', `entry "${h.name}" appears twice`);
      const hasher = new HashCounter();
      const piped = raw.pipe(hasher);
      await onEntry({ name: h.name, size: h.size ?? 0, pax: (h.pax ?? {}) as Record<string, string> }, piped);
      // Whatever the consumer left unread still has to be hashed.
      piped.resume();
      if (!piped.readableEnded) await new Promise<void>((res, rej) => { piped.once('end', res); piped.once('error', rej); });
      seen.set(h.name, hasher.digest());
    }
  })();
  // 1 MiB reads: a sixteenth of the events and buffer copies of the default 64 KiB.
  const reader = createReadStream(path, { highWaterMark: 1 << 20 });
  const onBytes = opts.onBytes;
  if (onBytes) reader.on('data', (c: Buffer | string) => onBytes(c.length));
  const stages: (NodeJS.ReadableStream | NodeJS.WritableStream)[] = [reader];
  if (encrypted) stages.push(new DecryptStream(backupKey ?? ''));
  stages.push(zlib.createGunzip({ chunkSize: 256 * 1024 }), extract as unknown as Writable);
  try {
    await Promise.all([(pipeline as (...s: unknown[]) => Promise<void>)(...stages), consume]);
  } catch (e) {
    extract.destroy();
    throw translateReadError(e as Error);
  }
  return seen;
}

const DECRYPT_CODES: Readonly<Record<DecryptError['kind'], RejectionCode>> = {
  truncated: 'truncated',
  'damaged-header': 'damaged-header',
  'wrong-key': 'wrong-key',
  corrupt: 'tampered',
  'unknown-version': 'format-version',
  'not-encrypted': 'malformed',
};

function translateReadError(e: Error): Error {
  if (e instanceof ArchiveRejected) return e;
  if (e instanceof DecryptError) return new ArchiveRejected(DECRYPT_CODES[e.kind], e.message);
  const code = (e as NodeJS.ErrnoException).code ?? '';
  if (/unexpected end/i.test(e.message)) return new ArchiveRejected('truncated', `archive is truncated: it ended early (${e.message})`);
  if (code.startsWith('Z_') || /incorrect header check|invalid/i.test(e.message)) {
    return new ArchiveRejected('malformed', `archive is corrupt (${e.message})`);
  }
  return e;
}
