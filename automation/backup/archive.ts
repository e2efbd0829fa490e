// Streaming tar.gz (optionally encrypted) writer and reader. Memory stays flat: entries are
// piped through, never buffered whole; entries whose size is not known up front are spooled
// to a temp file by the caller (see spool.ts) because tar needs the size in each header.
import { createHash } from 'crypto';
import { createReadStream, createWriteStream, promises as fsp } from 'fs';
import { Readable, Transform, TransformCallback, Writable } from 'stream';
import { pipeline } from 'stream/promises';
import * as zlib from 'zlib';
import * as tar from 'tar-stream';
import { DecryptError, DecryptStream, EncryptStream, isEncryptedHeader } from './crypto';
import { ArchiveRejected, ManifestEntry } from './manifest';

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
  /** Encrypts with AES-256-GCM (STREAM) when set. */
  readonly backupKey?: string;
  readonly gzipLevel?: number;
  readonly onBytes?: (n: number) => void;
}

export class ArchiveWriter {
  private readonly pack = tar.pack();
  private readonly done: Promise<void>;
  private readonly entries: ManifestEntry[] = [];
  readonly partialPath: string;

  constructor(private readonly opts: ArchiveWriterOptions) {
    this.partialPath = `${opts.path}.partial`;
    const stages: (NodeJS.ReadableStream | NodeJS.WritableStream)[] = [this.pack as unknown as Readable, zlib.createGzip({ level: opts.gzipLevel ?? 0, chunkSize: 256 * 1024 })];
    if (opts.backupKey) stages.push(new EncryptStream(opts.backupKey));
    stages.push(createWriteStream(this.partialPath, { mode: 0o600 }));
    this.done = (pipeline as (...s: unknown[]) => Promise<void>)(...stages);
    // Avoid an unhandled rejection before finish() awaits it; the error resurfaces there.
    this.done.catch(() => undefined);
  }

  /** Adds an entry whose size is known; the stream must deliver exactly `size` bytes. */
  async addStream(name: string, size: number, source: Readable, pax?: Record<string, string>): Promise<EntryDigest> {
    const hasher = new HashCounter(this.opts.onBytes);
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

  /** Writes the last entry (not listed in itself), finishes the stream and renames into place. */
  async finish(lastName: string, last: Buffer): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.pack.entry({ name: lastName, size: last.length, mode: 0o600, mtime: new Date(0) }, last, (err?: Error | null) => (err ? reject(err) : resolve()));
    });
    this.pack.finalize();
    await this.done;
    await fsp.rename(this.partialPath, this.opts.path);
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

/**
 * Reads an archive entry by entry. `onEntry` must consume (or ignore) the stream; ignored
 * streams are drained. Every entry is hashed, and the digests are returned by name.
 */
export async function readArchive(
  path: string,
  backupKey: string | readonly string[] | undefined,
  onEntry: (entry: ReadEntry, stream: Readable) => Promise<void>,
  onBytes?: (n: number) => void,
): Promise<Map<string, EntryDigest>> {
  let fh;
  try {
    fh = await fsp.open(path, 'r');
  } catch (e) {
    throw new ArchiveRejected('missing-file', `cannot open archive ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const first = Buffer.alloc(8);
  await fh.read(first, 0, 8, 0);
  await fh.close();
  const encrypted = isEncryptedHeader(first);
  if (!encrypted && path.endsWith('.enc')) throw new ArchiveRejected('malformed', 'file is named .enc but is not an encrypted archive');

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

function translateReadError(e: Error): Error {
  if (e instanceof ArchiveRejected) return e;
  if (e instanceof DecryptError) return new ArchiveRejected('decrypt', e.message);
  const code = (e as NodeJS.ErrnoException).code ?? '';
  if (code.startsWith('Z_') || /unexpected end|incorrect header check|invalid/i.test(e.message)) {
    return new ArchiveRejected('malformed', `archive is corrupt or truncated (${e.message})`);
  }
  return e;
}
