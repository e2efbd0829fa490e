// Streaming authenticated encryption for backup archives (AES-256-GCM, STREAM construction).
//
// Why chunked: a single GCM tag would only be checked after the whole archive has been
// consumed, and a streaming consumer would already have acted on unauthenticated bytes.
// Each chunk carries its own tag; the nonce binds the chunk index and a final-chunk flag,
// so flipped bytes, reordered or dropped chunks, truncation and appended data all fail.
//
// File layout (v1):
//   magic "IMSBKENC" (8) | version u8 | chunkSize u32be | salt (16) | noncePrefix (7) | keyCheck (16)
//   then chunks: ciphertext (chunkSize bytes, the last one 0..chunkSize) + tag (16)
// The per-file key is HKDF-SHA256(backupKey, salt); keyCheck = HMAC(fileKey, "key-check") lets a
// wrong key be reported as such instead of as corruption. The header is the AAD of every chunk.
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'crypto';
import { Transform, TransformCallback } from 'stream';

export const ENC_MAGIC = Buffer.from('IMSBKENC', 'ascii');
export const ENC_VERSION = 1;
export const DEFAULT_CHUNK_SIZE = 64 * 1024;
const TAG_LEN = 16;
const HEADER_LEN = 8 + 1 + 4 + 16 + 7 + 16;
const MAX_CHUNK_SIZE = 16 * 1024 * 1024;

/** Raised for every problem found while decrypting; `kind` lets callers word the error. */
export class DecryptError extends Error {
  constructor(readonly kind: 'not-encrypted' | 'unknown-version' | 'wrong-key' | 'corrupt' | 'truncated', message: string) {
    super(message);
    this.name = 'DecryptError';
  }
}

function deriveKey(backupKey: string, salt: Buffer): Buffer {
  if (!backupKey) throw new Error('backup key is empty');
  return Buffer.from(hkdfSync('sha256', Buffer.from(backupKey, 'utf8'), salt, 'imstack-backup-v1', 32));
}

function keyCheck(fileKey: Buffer): Buffer {
  return createHmac('sha256', fileKey).update('key-check').digest().subarray(0, 16);
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
    // Keep at least one byte back so the true last chunk is always sealed with the final flag.
    while (this.pendingLen > this.chunkSize) {
      const all = Buffer.concat(this.pending);
      this.seal(all.subarray(0, this.chunkSize), false);
      const rest = all.subarray(this.chunkSize);
      this.pending = [rest];
      this.pendingLen = rest.length;
    }
    cb();
  }

  _flush(cb: TransformCallback): void {
    this.seal(Buffer.concat(this.pending), true);
    this.pending = [];
    cb();
  }
}

export class DecryptStream extends Transform {
  private header: Buffer | null = null;
  private fileKey: Buffer | null = null;
  private prefix: Buffer | null = null;
  private chunkSize = 0;
  private buf: Buffer = Buffer.alloc(0);
  private index = 0;

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
    if (!h.subarray(0, 8).equals(ENC_MAGIC)) throw new DecryptError('not-encrypted', 'not an encrypted imstack backup (bad magic)');
    if (h[8] !== ENC_VERSION) throw new DecryptError('unknown-version', `unknown encryption format version ${h[8]}`);
    this.chunkSize = h.readUInt32BE(9);
    if (this.chunkSize < 1 || this.chunkSize > MAX_CHUNK_SIZE) throw new DecryptError('corrupt', 'encryption header is corrupt (chunk size)');
    if (this.keys.length === 0) throw new DecryptError('wrong-key', 'archive is encrypted but no backup key was given');
    const salt = Buffer.from(h.subarray(13, 29));
    const check = h.subarray(36, 52);
    this.fileKey = this.keys.map((k) => deriveKey(k, salt)).find((fk) => timingSafeEqual(keyCheck(fk), check)) ?? null;
    if (!this.fileKey) {
      const tried = this.keys.length > 1 ? ` (tried the current key and ${this.keys.length - 1} previous key${this.keys.length > 2 ? 's' : ''})` : '';
      throw new DecryptError('wrong-key', `wrong backup key: the archive was encrypted with a different key${tried}`);
    }
    this.prefix = Buffer.from(h.subarray(29, 36));
    this.header = Buffer.from(h);
    this.buf = this.buf.subarray(HEADER_LEN);
  }

  private open(sealed: Buffer, final: boolean): Buffer {
    const d = createDecipheriv('aes-256-gcm', this.fileKey as Buffer, nonce(this.prefix as Buffer, this.index, final));
    d.setAAD(this.header as Buffer);
    d.setAuthTag(sealed.subarray(sealed.length - TAG_LEN));
    try {
      const out = d.update(sealed.subarray(0, sealed.length - TAG_LEN));
      d.final(); // throws on a bad tag; GCM returns no further bytes, so nothing to append
      this.index++;
      return out;
    } catch {
      if (final) {
        // A chunk sealed as non-final showing up last means the tail was cut off.
        const probe = createDecipheriv('aes-256-gcm', this.fileKey as Buffer, nonce(this.prefix as Buffer, this.index, false));
        probe.setAAD(this.header as Buffer);
        probe.setAuthTag(sealed.subarray(sealed.length - TAG_LEN));
        try {
          probe.update(sealed.subarray(0, sealed.length - TAG_LEN));
          probe.final();
          throw new DecryptError('truncated', 'archive is truncated (final chunk missing)');
        } catch (e) {
          if (e instanceof DecryptError) throw e;
        }
      }
      throw new DecryptError('corrupt', `archive failed authentication at chunk ${this.index} (corrupted or tampered)`);
    }
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
      // Sealed chunks are opened straight from the input; only one straddling two inputs is
      // copied together. Strictly greater: the last full-size chunk may be the final one,
      // which is decided at flush.
      let off = 0;
      if (this.buf.length) {
        const need = sealedLen - this.buf.length;
        if (data.length <= need) {
          this.buf = Buffer.concat([this.buf, data]);
          return cb();
        }
        this.push(this.open(Buffer.concat([this.buf, data.subarray(0, need)]), false));
        off = need;
      }
      while (data.length - off > sealedLen) {
        this.push(this.open(data.subarray(off, off + sealedLen), false));
        off += sealedLen;
      }
      this.buf = data.subarray(off);
      cb();
    } catch (e) {
      cb(e as Error);
    }
  }

  _flush(cb: TransformCallback): void {
    try {
      if (!this.header) throw new DecryptError('truncated', 'archive is truncated (incomplete encryption header)');
      if (this.buf.length < TAG_LEN) throw new DecryptError('truncated', 'archive is truncated (final chunk missing)');
      this.push(this.open(this.buf, true));
      this.buf = Buffer.alloc(0);
      cb();
    } catch (e) {
      cb(e as Error);
    }
  }
}
