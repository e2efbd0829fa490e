import { strict as assert } from 'assert';
import { createCipheriv, createHash, randomBytes } from 'crypto';
import { Readable } from 'stream';
import { pipeline } from 'stream/promises';
import { archiveFormat, DecryptError, DecryptStream, deriveKey, ENC_MAGIC, EncryptStream, HEADER_LEN, keyCheck } from '../../../automation/backup/crypto';

async function collect(source: Buffer[], t: NodeJS.ReadWriteStream): Promise<Buffer> {
  const out: Buffer[] = [];
  await pipeline(Readable.from(source), t, async (src: AsyncIterable<Buffer | string>) => {
    for await (const c of src) out.push(Buffer.from(c));
  });
  return Buffer.concat(out);
}

const KEY = 'k3y-For-Tests_0123456789';
const CHUNK = 1024;
const HEADER = 60;
const SEALED = CHUNK + 16;
const END_MARK = 16;

async function encrypt(plain: Buffer, key = KEY): Promise<Buffer> {
  // Feed in odd-sized pieces so chunk boundaries never line up with writes.
  const parts: Buffer[] = [];
  for (let i = 0; i < plain.length; i += 777) parts.push(plain.subarray(i, i + 777));
  return collect(parts, new EncryptStream(key, CHUNK));
}

async function decrypt(sealed: Buffer, key: string | string[] = KEY): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (let i = 0; i < sealed.length; i += 500) parts.push(sealed.subarray(i, i + 500));
  return collect(parts, new DecryptStream(key));
}

async function rejectsWith(p: Promise<unknown>, kind: DecryptError['kind'], message?: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof DecryptError, String(e));
    assert.equal(e.kind, kind, e.message);
    if (message) assert.match(e.message, message);
    return true;
  });
}

/** The v1 format, as archives written before v2 have it: 52-byte header, the last data chunk sealed as final. */
function encryptV1(plain: Buffer, key = KEY): Buffer {
  const salt = randomBytes(16);
  const prefix = randomBytes(7);
  const fileKey = deriveKey(key, salt);
  const h = Buffer.alloc(52);
  ENC_MAGIC.copy(h, 0);
  h[8] = 1;
  h.writeUInt32BE(CHUNK, 9);
  salt.copy(h, 13);
  prefix.copy(h, 29);
  keyCheck(fileKey).copy(h, 36);
  const out = [h];
  const n = Math.max(1, Math.ceil(plain.length / CHUNK));
  for (let i = 0; i < n; i++) {
    const nonce = Buffer.alloc(12);
    prefix.copy(nonce, 0);
    nonce.writeUInt32BE(i, 7);
    nonce[11] = i === n - 1 ? 1 : 0;
    const c = createCipheriv('aes-256-gcm', fileKey, nonce);
    c.setAAD(h);
    out.push(c.update(plain.subarray(i * CHUNK, (i + 1) * CHUNK)), c.final(), c.getAuthTag());
  }
  return Buffer.concat(out);
}

describe('backup crypto (AES-256-GCM STREAM)', () => {
  const plain = randomBytes(CHUNK * 5 + 123);

  it('round-trips data of many sizes, including empty and exact chunk multiples', async () => {
    assert.equal(HEADER_LEN, HEADER);
    for (const n of [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, CHUNK * 3]) {
      const p = plain.subarray(0, n);
      const sealed = await encrypt(p);
      assert.equal(sealed.length, HEADER + Math.ceil(n / CHUNK) * 16 + n + END_MARK);
      assert.deepEqual(await decrypt(sealed), p);
    }
  });

  it('decrypts whatever the input pieces: single bytes, exact sealed chunks, several chunks at once, all of it', async () => {
    for (const size of [CHUNK * 4 + 5, CHUNK * 4]) {
      const p = plain.subarray(0, size);
      const sealed = await encrypt(p);
      for (const piece of [1, 7, 16, 17, HEADER, SEALED, SEALED + 1, SEALED + 16, SEALED * 3 - 1, sealed.length]) {
        const parts: Buffer[] = [];
        for (let i = 0; i < sealed.length; i += piece) parts.push(sealed.subarray(i, i + piece));
        assert.deepEqual(await collect(parts, new DecryptStream(KEY)), p, `${size} bytes in pieces of ${piece}`);
      }
    }
  });

  it('uses a fresh salt per archive (same input gives different ciphertext)', async () => {
    const a = await encrypt(plain);
    const b = await encrypt(plain);
    assert.notDeepEqual(a, b);
  });

  it('a flipped byte in a chunk is a tampered chunk, named with its index and place', async () => {
    const sealed = await encrypt(plain);
    const last = Math.ceil(plain.length / CHUNK) - 1;
    for (const [pos, chunk] of [[HEADER + 3, 0], [HEADER + SEALED + 10, 1], [sealed.length - END_MARK - 1, last]] as const) {
      const bad = Buffer.from(sealed);
      bad[pos] ^= 0x01;
      await rejectsWith(decrypt(bad), 'corrupt', new RegExp(`failed authentication at chunk ${chunk} \\(bytes ${HEADER + chunk * SEALED}-\\d+\\): it was tampered with or damaged`));
    }
  });

  it('a flipped byte anywhere in the header is a damaged header, never a wrong key', async () => {
    const sealed = await encrypt(plain);
    for (let pos = 0; pos < HEADER; pos++) {
      const bad = Buffer.from(sealed);
      bad[pos] ^= 0x04;
      await rejectsWith(decrypt(bad), 'damaged-header', /encryption header is damaged/);
    }
  });

  it('an archive that ended early is truncated, wherever it was cut', async () => {
    const sealed = await encrypt(plain);
    for (const end of [HEADER + SEALED * 2, HEADER + SEALED * 2 + 100, Math.floor(sealed.length / 2), sealed.length - END_MARK, sealed.length - 1, HEADER + 5]) {
      await rejectsWith(decrypt(sealed.subarray(0, end)), 'truncated', new RegExp(`ended early, after ${end} bytes`));
    }
    await rejectsWith(decrypt(sealed.subarray(0, 20)), 'truncated', /inside its encryption header/);
  });

  it('detects appended data', async () => {
    const sealed = await encrypt(plain);
    await assert.rejects(decrypt(Buffer.concat([sealed, Buffer.alloc(SEALED, 1)])), DecryptError);
    await assert.rejects(decrypt(Buffer.concat([sealed, Buffer.alloc(5, 1)])), DecryptError);
  });

  it('detects reordered and dropped chunks', async () => {
    const sealed = await encrypt(plain);
    const c0 = sealed.subarray(HEADER, HEADER + SEALED);
    const c1 = sealed.subarray(HEADER + SEALED, HEADER + 2 * SEALED);
    const swapped = Buffer.concat([sealed.subarray(0, HEADER), c1, c0, sealed.subarray(HEADER + 2 * SEALED)]);
    await rejectsWith(decrypt(swapped), 'corrupt');
    const dropped = Buffer.concat([sealed.subarray(0, HEADER), c1, sealed.subarray(HEADER + 2 * SEALED)]);
    await rejectsWith(decrypt(dropped), 'corrupt');
  });

  it('an intact header with another key is a wrong key (not "damaged"), and a missing key too', async () => {
    const sealed = await encrypt(plain);
    await assert.rejects(decrypt(sealed, 'another-key'), (e: unknown) => {
      assert.ok(e instanceof DecryptError && e.kind === 'wrong-key');
      assert.match(e.message, /wrong backup key: the archive was encrypted with a different key/);
      assert.doesNotMatch(e.message, /damaged/);
      return true;
    });
    await rejectsWith(decrypt(sealed, ''), 'wrong-key');
  });

  it('after a rotation, decrypts with whichever of the current and previous keys matches', async () => {
    const old = await encrypt(plain, 'key-before-rotation');
    assert.deepEqual(await collect([old], new DecryptStream(['key-after-rotation', 'older-still', 'key-before-rotation'])), plain);
    const current = await encrypt(plain, 'key-after-rotation');
    assert.deepEqual(await collect([current], new DecryptStream(['key-after-rotation', 'key-before-rotation'])), plain);
    // Empty entries (a trailing comma in BACKUP_PREVIOUS_KEYS) are ignored, not tried.
    assert.deepEqual(await collect([old], new DecryptStream(['', 'key-before-rotation'])), plain);
  });

  it('a key matching none of the current and previous keys is still a wrong-key error', async () => {
    const sealed = await encrypt(plain, 'unknown-key');
    await assert.rejects(collect([sealed], new DecryptStream(['current', 'previous-1', 'previous-2'])), (e: unknown) => {
      assert.ok(e instanceof DecryptError && e.kind === 'wrong-key');
      assert.match(e.message, /wrong backup key.*current key and 2 previous keys/);
      assert.doesNotMatch(e.message, /previous-1|previous-2|current,/);
      return true;
    });
    await rejectsWith(collect([sealed], new DecryptStream([])), 'wrong-key');
  });

  it('refuses an unknown encryption version (with a consistent header) and non-encrypted input', async () => {
    const sealed = await encrypt(plain);
    const v3 = Buffer.from(sealed);
    v3[8] = 3;
    createHash('sha256').update(v3.subarray(0, 52)).digest().copy(v3, 52, 0, 8);
    await rejectsWith(decrypt(v3), 'unknown-version', /unknown encryption format version 3/);
    await rejectsWith(decrypt(Buffer.concat([Buffer.from('NOTMAGIC'), randomBytes(100)])), 'not-encrypted');
  });

  it('tells an archive by its first bytes: encrypted, plain, encrypted with damaged magic, or neither', async () => {
    const sealed = await encrypt(plain);
    assert.equal(archiveFormat(sealed.subarray(0, HEADER)), 'encrypted');
    assert.equal(archiveFormat(Buffer.from([0x1f, 0x8b, 8, 0])), 'plain');
    const magic = Buffer.from(sealed.subarray(0, HEADER));
    magic[3] ^= 0x10;
    assert.equal(archiveFormat(magic), 'damaged-header');
    assert.equal(archiveFormat(randomBytes(HEADER)), 'unknown');
  });

  describe('archives in the v1 format (written before v2) still decrypt', () => {
    it('round-trips, with a wrong key reported as a wrong key or a damaged header', async () => {
      for (const n of [0, 1, CHUNK, CHUNK * 3 + 7]) assert.deepEqual(await decrypt(encryptV1(plain.subarray(0, n))), plain.subarray(0, n));
      await rejectsWith(decrypt(encryptV1(plain), 'another-key'), 'wrong-key', /different key, or its header is damaged/);
    });

    it('tells truncation at a chunk boundary; a cut inside a chunk is an ambiguous last chunk', async () => {
      const sealed = encryptV1(plain);
      await rejectsWith(decrypt(sealed.subarray(0, 52 + SEALED * 2)), 'truncated');
      await rejectsWith(decrypt(sealed.subarray(0, 52 + SEALED * 2 + 100)), 'corrupt', /last chunk 2: it is truncated, or its end was tampered with/);
      const bad = Buffer.from(sealed);
      bad[52 + 10] ^= 1;
      await rejectsWith(decrypt(bad), 'corrupt', /at chunk 0/);
    });
  });
});
