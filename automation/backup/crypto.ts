// Streaming authenticated encryption for backup archives (AES-256-GCM, STREAM construction).
//
// Why chunked: a single GCM tag would only be checked after the whole archive has been
// consumed, and a streaming consumer would already have acted on unauthenticated bytes.
// Each chunk carries its own tag; the nonce binds the chunk index and a final-chunk flag,
// so flipped bytes, reordered or dropped chunks, truncation and appended data all fail.
//
// File layout (v2, written since archives had to tell their failures apart):
//   magic "IMSBKENC" (8) | version u8 = 2 | chunkSize u32be | salt (16) | noncePrefix (7) | keyCheck (16)
//   | headerCheck (8) = SHA-256 of the 52 bytes before it, truncated
//   then data chunks, each ciphertext (chunkSize bytes, the last one 1..chunkSize) + tag (16),
//   sealed as not final, then an end mark: an empty chunk (its tag alone) sealed as final.
// v1 (still read): the same header without headerCheck (52 bytes), and the last data chunk
// sealed as final instead of an end mark.
// The per-file key is HKDF-SHA256(backupKey, salt); keyCheck = HMAC(fileKey, "key-check") lets a
// wrong key be reported as such. The header is the AAD of every chunk.
//
// Why v2 has a header check and an end mark: a reader must tell an operator which of four
// things went wrong, and v1 could not. The header check separates a damaged header (a flipped
// salt or key-check byte) from a wrong key; the end mark, which authenticates on its own,
// separates an archive that ended early (a copy cut short) from one whose chunk was altered.
import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'crypto';
import { Transform, TransformCallback } from 'stream';

export const ENC_MAGIC = Buffer.from('IMSBKENC', 'ascii');
export const ENC_VERSION = 2;
export const DEFAULT_CHUNK_SIZE = 64 * 1024;
const TAG_LEN = 16;
const V1_HEADER_LEN = 8 + 1 + 4 + 16 + 7 + 16;
const CHECK_LEN = 8;
/** Bytes of a v2 header; a reader needs this many before it can judge any version. */
export const HEADER_LEN = V1_HEADER_LEN + CHECK_LEN;
const MAX_CHUNK_SIZE = 16 * 1024 * 1024;

/** Raised for every problem found while decrypting; `kind` lets callers word the error. */
export class DecryptError extends Error {
  constructor(readonly kind: 'not-encrypted' | 'unknown-version' | 'wrong-key' | 'damaged-header' | 'corrupt' | 'truncated', message: string) {
    super(message);
    this.name = 'DecryptError';
  }
}

/** HKDF-SHA256 of the backup key; `info` separates the uses (encryption, the plain archives' MAC). */
export function deriveKey(backupKey: string, salt: Buffer, info = 'imstack-backup-v1'): Buffer {
  if (!backupKey) throw new Error('backup key is empty');
  return Buffer.from(hkdfSync('sha256', Buffer.from(backupKey, 'utf8'), salt, info, 32));
}

/** Proves a derived key is the right one without revealing it (reported as "wrong key" otherwise). */
export function keyCheck(derived: Buffer): Buffer {
  return createHmac('sha256', derived).update('key-check').digest().subarray(0, 16);
}

/** Which of the keys (tried in order) derives the key whose check this is, if any. */
export function matchKey(keys: readonly string[], salt: Buffer, check: Buffer, info?: string): Buffer | undefined {
  return keys.map((k) => deriveKey(k, salt, info)).find((d) => timingSafeEqual(keyCheck(d), check));
}

/** " (tried the current key and N previous keys)" when more than one key was tried. */
export function triedKeys(count: number): string {
  return count > 1 ? ` (tried the current key and ${count - 1} previous key${count > 2 ? 's' : ''})` : '';
}

/** The refusal of an encrypted archive whose header is damaged, `what` naming the part. */
export function damagedHeader(what: string): DecryptError {
  return new DecryptError('damaged-header', `the archive's encryption header is damaged (${what}); the archive cannot be read. Use another copy of it`);
}

function headerCheck(fixed: Buffer): Buffer {
  return createHash('sha256').update(fixed.subarray(0, V1_HEADER_LEN)).digest().subarray(0, CHECK_LEN);
}

/** The check a v2 header would carry with `patch` applied: tells a damaged magic or version byte from another format. */
function checksAsV2(h: Buffer, patch: (fixed: Buffer) => void): boolean {
  const fixed = Buffer.from(h.subarray(0, V1_HEADER_LEN));
  patch(fixed);
  return h.length >= HEADER_LEN && headerCheck(fixed).equals(h.subarray(V1_HEADER_LEN, HEADER_LEN));
}

function nonce(prefix: Buffer, index: number, final: boolean): Buffer {
  const n = Buffer.alloc(12);
  prefix.copy(n, 0);
  n.writeUInt32BE(index, 7);
  n[11] = final ? 1 : 0;
  return n;
}

/** True when the first bytes look like an encrypted archive (used to pick the reader). */
export function isEncryptedHeader(firstBytes: Buffer): boolean {
  return firstBytes.length >= 8 && firstBytes.subarray(0, 8).equals(ENC_MAGIC);
}

/**
 * What an archive's first bytes say it is. "damaged-header": an encrypted archive whose magic
 * bytes are damaged (its header check still matches once the magic is put back).
 */
export function archiveFormat(first: Buffer): 'encrypted' | 'plain' | 'damaged-header' | 'unknown' {
  if (isEncryptedHeader(first)) return 'encrypted';
  if (first.length >= 2 && first[0] === 0x1f && first[1] === 0x8b) return 'plain';
  if (checksAsV2(first, (f) => ENC_MAGIC.copy(f, 0))) return 'damaged-header';
  return 'unknown';
}

export class EncryptStream extends Transform {
  private readonly fileKey: Buffer;
  private readonly header: Buffer;
  private readonly prefix: Buffer;
  private pending: Buffer[] = [];
  private pendingLen = 0;
  private index = 0;

  constructor(backupKey: string, private readonly chunkSize = DEFAULT_CHUNK_SIZE) {
    super();
    const salt = randomBytes(16);
    this.prefix = randomBytes(7);
    this.fileKey = deriveKey(backupKey, salt);
    const h = Buffer.alloc(HEADER_LEN);
    ENC_MAGIC.copy(h, 0);
    h[8] = ENC_VERSION;
    h.writeUInt32BE(chunkSize, 9);
    salt.copy(h, 13);
    this.prefix.copy(h, 29);
    keyCheck(this.fileKey).copy(h, 36);
    headerCheck(h).copy(h, V1_HEADER_LEN);
    this.header = h;
    this.push(h);
  }

  private seal(plain: Buffer, final: boolean): void {
    if (this.index > 0xffffffff) throw new Error('archive too large for one encryption stream');
    const c = createCipheriv('aes-256-gcm', this.fileKey, nonce(this.prefix, this.index++, final));
    c.setAAD(this.header);
    const body = Buffer.concat([c.update(plain), c.final(), c.getAuthTag()]);
    this.push(body);
  }

  _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.pending.push(chunk);
    this.pendingLen += chunk.length;
    if (this.pendingLen >= this.chunkSize) {
      const all = Buffer.concat(this.pending);
      let off = 0;
      for (; all.length - off >= this.chunkSize; off += this.chunkSize) this.seal(all.subarray(off, off + this.chunkSize), false);
      const rest = all.subarray(off);
      this.pending = [rest];
      this.pendingLen = rest.length;
    }
    cb();
  }

  _flush(cb: TransformCallback): void {
    if (this.pendingLen > 0) this.seal(Buffer.concat(this.pending), false);
    this.pending = [];
    this.seal(Buffer.alloc(0), true); // the end mark
    cb();
  }
}

export class DecryptStream extends Transform {
  private header: Buffer | null = null;
  private version = 0;
  private fileKey: Buffer | null = null;
  private prefix: Buffer | null = null;
  private chunkSize = 0;
  private buf: Buffer = Buffer.alloc(0);
  private index = 0;
  /** Bytes of the file consumed so far (header and opened chunks), for the messages. */
  private offset = 0;

  private readonly keys: readonly string[];

  /**
   * @param backupKeys the current key, or the current key followed by earlier rotations'
   *   keys; the header's key check picks the one the archive was written with.
   */
  constructor(backupKeys: string | readonly string[]) {
    super();
    this.keys = (typeof backupKeys === 'string' ? [backupKeys] : backupKeys).filter((k) => k.length > 0);
  }

  private readHeader(): void {
    const h = this.buf.subarray(0, HEADER_LEN);
    const format = archiveFormat(h);
    if (format === 'damaged-header') throw damagedHeader('its magic bytes');
    if (format !== 'encrypted') throw new DecryptError('not-encrypted', 'not an encrypted imstack backup (bad magic)');
    const v = h[8];
    if (v !== 2 && checksAsV2(h, (f) => (f[8] = 2))) throw damagedHeader('its version byte');
    if (v === 2 && !headerCheck(h).equals(h.subarray(V1_HEADER_LEN, HEADER_LEN))) throw damagedHeader('bytes in it changed, so its check does not match');
    if (v !== 1 && v !== 2) throw new DecryptError('unknown-version', `unknown encryption format version ${v} (written by a newer imstack, or the header is damaged)`);
    this.version = v;
    const len = v === 1 ? V1_HEADER_LEN : HEADER_LEN;
    this.chunkSize = h.readUInt32BE(9);
    if (this.chunkSize < 1 || this.chunkSize > MAX_CHUNK_SIZE) throw damagedHeader('chunk size');
    if (this.keys.length === 0) throw new DecryptError('wrong-key', 'archive is encrypted but no backup key was given');
    this.fileKey = matchKey(this.keys, Buffer.from(h.subarray(13, 29)), h.subarray(36, 52)) ?? null;
    if (!this.fileKey) {
      // v1 headers carry no check of their own: a damaged salt or key check looks like another key.
      const or = v === 1 ? ', or its header is damaged (archives in the older v1 format cannot tell these apart)' : '';
      throw new DecryptError('wrong-key', `wrong backup key: the archive was encrypted with a different key${triedKeys(this.keys.length)}${or}`);
    }
    this.prefix = Buffer.from(h.subarray(29, 36));
    this.header = Buffer.from(h.subarray(0, len));
    this.buf = this.buf.subarray(len);
    this.offset = len;
  }

  /** Opens one sealed chunk at the current index; undefined when its tag does not authenticate. */
  private tryOpen(sealed: Buffer, index: number, final: boolean): Buffer | undefined {
    const d = createDecipheriv('aes-256-gcm', this.fileKey as Buffer, nonce(this.prefix as Buffer, index, final));
    d.setAAD(this.header as Buffer);
    d.setAuthTag(sealed.subarray(sealed.length - TAG_LEN));
    try {
      const out = d.update(sealed.subarray(0, sealed.length - TAG_LEN));
      d.final(); // throws on a bad tag; GCM returns no further bytes, so nothing to append
      return out;
    } catch {
      return undefined;
    }
  }

  private tampered(sealedLen: number): DecryptError {
    return new DecryptError(
      'corrupt',
      `archive failed authentication at chunk ${this.index} (bytes ${this.offset}-${this.offset + sealedLen - 1}): it was tampered with or damaged there`,
    );
  }

  /** A chunk that is not the last: it must authenticate as not final. */
  private open(sealed: Buffer): Buffer {
    const out = this.tryOpen(sealed, this.index, false);
    if (!out) throw this.tampered(sealed.length);
    this.index++;
    this.offset += sealed.length;
    return out;
  }

  /** Bytes held back until the end: what may turn out to be the final chunk(s). */
  private holdBack(): number {
    const sealedLen = this.chunkSize + TAG_LEN;
    return this.version === 1 ? sealedLen : sealedLen + TAG_LEN;
  }

  _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    try {
      let data = chunk;
      if (!this.header) {
        this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
        if (this.buf.length < HEADER_LEN) return cb();
        this.readHeader();
        data = this.buf;
        this.buf = Buffer.alloc(0);
      }
      const sealedLen = this.chunkSize + TAG_LEN;
      const keep = this.holdBack();
      // Sealed chunks are opened straight from the input; only one straddling two inputs is
      // copied together. What may be the end of the archive is held back for _flush.
      let off = 0;
      if (this.buf.length) {
        if (this.buf.length + data.length <= keep) {
          this.buf = Buffer.concat([this.buf, data]);
          return cb();
        }
        // More than the held-back end follows the chunk starting in buf: it is not the last.
        if (this.buf.length >= sealedLen) {
          this.push(this.open(this.buf.subarray(0, sealedLen)));
          data = Buffer.concat([this.buf.subarray(sealedLen), data]);
        } else {
          const need = sealedLen - this.buf.length;
          this.push(this.open(Buffer.concat([this.buf, data.subarray(0, need)])));
          off = need;
        }
        this.buf = Buffer.alloc(0);
      }
      while (data.length - off > keep) {
        this.push(this.open(data.subarray(off, off + sealedLen)));
        off += sealedLen;
      }
      this.buf = data.subarray(off);
      cb();
    } catch (e) {
      cb(e as Error);
    }
  }

  private ended(): DecryptError {
    return new DecryptError('truncated', `archive is truncated: it ended early, after ${this.offset + this.buf.length} bytes, without its end mark (an interrupted copy or download?)`);
  }

  _flush(cb: TransformCallback): void {
    try {
      if (!this.header) throw new DecryptError('truncated', `archive is truncated: it ended early, after ${this.buf.length} bytes, inside its encryption header`);
      if (this.version === 1) this.flushV1();
      else this.flushV2();
      this.buf = Buffer.alloc(0);
      cb();
    } catch (e) {
      cb(e as Error);
    }
  }

  /** v2: the last TAG_LEN bytes must be the end mark; what precedes it is one last data chunk, if any. */
  private flushV2(): void {
    const t = this.buf;
    if (t.length < TAG_LEN) throw this.ended();
    const rest = t.subarray(0, t.length - TAG_LEN);
    if (rest.length > 0 && rest.length <= TAG_LEN) throw this.ended();
    // The end mark authenticates on its own: if it does, nothing is missing, and a failure of
    // the chunk before it is damage, not truncation.
    if (!this.tryOpen(t.subarray(rest.length), this.index + (rest.length ? 1 : 0), true)) throw this.ended();
    if (rest.length) this.push(this.open(rest));
  }

  /** v1: the last chunk carries the final flag. */
  private flushV1(): void {
    const t = this.buf;
    if (t.length < TAG_LEN) throw this.ended();
    const out = this.tryOpen(t, this.index, true);
    if (out) {
      this.push(out);
      return;
    }
    // A chunk sealed as non-final showing up last means the tail was cut off at a chunk boundary.
    if (this.tryOpen(t, this.index, false)) throw this.ended();
    throw new DecryptError(
      'corrupt',
      `archive failed authentication at its last chunk ${this.index}: it is truncated, or its end was tampered with or damaged (archives in the older v1 format cannot tell these apart)`,
    );
  }
}
