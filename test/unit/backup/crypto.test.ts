import { strict as assert } from 'assert';
import { randomBytes } from 'crypto';
import { Readable } from 'stream';
import { pipeline } from 'stream/promises';
import { DecryptError, DecryptStream, EncryptStream } from '../../../automation/backup/crypto';

async function collect(source: Buffer[], t: NodeJS.ReadWriteStream): Promise<Buffer> {
  const out: Buffer[] = [];
  await pipeline(Readable.from(source), t, async (src: AsyncIterable<Buffer | string>) => {
    for await (const c of src) out.push(Buffer.from(c));
  });
  return Buffer.concat(out);
}

const KEY = 'k3y-For-Tests_0123456789';
const CHUNK = 1024;
const HEADER = 52;
const SEALED = CHUNK + 16;

async function encrypt(plain: Buffer, key = KEY): Promise<Buffer> {
  // Feed in odd-sized pieces so chunk boundaries never line up with writes.
  const parts: Buffer[] = [];
  for (let i = 0; i < plain.length; i += 777) parts.push(plain.subarray(i, i + 777));
  return collect(parts, new EncryptStream(key, CHUNK));
}

async function decrypt(sealed: Buffer, key = KEY): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (let i = 0; i < sealed.length; i += 500) parts.push(sealed.subarray(i, i + 500));
  return collect(parts, new DecryptStream(key));
}

async function rejectsWith(p: Promise<unknown>, kind: DecryptError['kind']): Promise<void> {
  await assert.rejects(p, (e: unknown) => e instanceof DecryptError && e.kind === kind);
}

describe('backup crypto (AES-256-GCM STREAM)', () => {
  const plain = randomBytes(CHUNK * 5 + 123);

  it('round-trips data of many sizes, including empty and exact chunk multiples', async () => {
    for (const n of [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, CHUNK * 3]) {
      const p = plain.subarray(0, n);
      const sealed = await encrypt(p);
      assert.equal(sealed.length, HEADER + Math.max(1, Math.ceil(n / CHUNK)) * 16 + n);
      assert.deepEqual(await decrypt(sealed), p);
    }
  });

  it('decrypts whatever the input pieces: single bytes, exact sealed chunks, several chunks at once, all of it', async () => {
    const p = plain.subarray(0, CHUNK * 4 + 5);
    const sealed = await encrypt(p);
    for (const piece of [1, 7, HEADER, SEALED, SEALED + 1, SEALED * 3 - 1, sealed.length]) {
      const parts: Buffer[] = [];
      for (let i = 0; i < sealed.length; i += piece) parts.push(sealed.subarray(i, i + piece));
      assert.deepEqual(await collect(parts, new DecryptStream(KEY)), p, `pieces of ${piece} bytes`);
    }
  });

  it('uses a fresh salt per archive (same input gives different ciphertext)', async () => {
    const a = await encrypt(plain);
    const b = await encrypt(plain);
    assert.notDeepEqual(a, b);
  });

  it('detects a flipped byte anywhere in the ciphertext', async () => {
    const sealed = await encrypt(plain);
    for (const pos of [HEADER + 3, HEADER + SEALED + 10, sealed.length - 1]) {
      const bad = Buffer.from(sealed);
      bad[pos] ^= 0x01;
      await rejectsWith(decrypt(bad), 'corrupt');
    }
  });

  it('detects a flipped byte in the header', async () => {
    const sealed = await encrypt(plain);
    const bad = Buffer.from(sealed);
    bad[30] ^= 0x80; // nonce prefix: authenticated as AAD
    await assert.rejects(decrypt(bad), DecryptError);
  });

  it('detects truncation at a chunk boundary, mid-chunk and inside the header', async () => {
    const sealed = await encrypt(plain);
    await rejectsWith(decrypt(sealed.subarray(0, HEADER + SEALED * 2)), 'truncated');
    await rejectsWith(decrypt(sealed.subarray(0, HEADER + SEALED * 2 + 100)), 'corrupt');
    await rejectsWith(decrypt(sealed.subarray(0, HEADER + 5)), 'truncated');
    await rejectsWith(decrypt(sealed.subarray(0, 20)), 'truncated');
  });

  it('detects appended data', async () => {
    const sealed = await encrypt(plain);
    await assert.rejects(decrypt(Buffer.concat([sealed, Buffer.alloc(SEALED, 1)])), DecryptError);
  });

  it('detects reordered chunks', async () => {
    const sealed = await encrypt(plain);
    const c0 = sealed.subarray(HEADER, HEADER + SEALED);
    const c1 = sealed.subarray(HEADER + SEALED, HEADER + 2 * SEALED);
    const swapped = Buffer.concat([sealed.subarray(0, HEADER), c1, c0, sealed.subarray(HEADER + 2 * SEALED)]);
    await rejectsWith(decrypt(swapped), 'corrupt');
  });

  it('reports a wrong key as a wrong key, and a missing key too', async () => {
    const sealed = await encrypt(plain);
    await rejectsWith(decrypt(sealed, 'another-key'), 'wrong-key');
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

  it('refuses an unknown encryption version and non-encrypted input', async () => {
    const sealed = await encrypt(plain);
    const v2 = Buffer.from(sealed);
    v2[8] = 2;
    await rejectsWith(decrypt(v2), 'unknown-version');
    await rejectsWith(decrypt(Buffer.concat([Buffer.from('NOTMAGIC'), sealed.subarray(8)])), 'not-encrypted');
  });
});
