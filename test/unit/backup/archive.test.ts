import { strict as assert } from 'assert';
import { createCipheriv, createHash } from 'crypto';
import { mkdtempSync, promises as fsp, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Readable } from 'stream';
import { ArchiveWriter, readArchive } from '../../../automation/backup/archive';
import { ArchiveRejected } from '../../../automation/backup/manifest';

/** Deterministic incompressible bytes (an AES-CTR keystream) generated on the fly. */
function generated(size: number, seed: number): Readable {
  let left = size;
  const ks = createCipheriv('aes-256-ctr', createHash('sha256').update(String(seed)).digest(), Buffer.alloc(16));
  const zeros = Buffer.alloc(256 * 1024);
  return new Readable({
    read() {
      if (left === 0) return this.push(null);
      const n = Math.min(left, zeros.length);
      left -= n;
      this.push(ks.update(zeros.subarray(0, n)));
    },
  });
}

async function sha(s: Readable): Promise<string> {
  const h = createHash('sha256');
  for await (const c of s) h.update(c as Buffer);
  return h.digest('hex');
}

describe('backup archive streaming', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'imstack-archive-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  for (const key of [undefined, 'archive-test-key']) {
    it(`round-trips entries with metadata and long names (${key ? 'encrypted' : 'plain'})`, async () => {
      const path = join(dir, key ? 'a.tar.gz.enc' : 'a.tar.gz');
      const w = new ArchiveWriter({ path, backupKey: key });
      const longName = `objects/${'x/'.repeat(80)}名前.bin`;
      const d1 = await w.addStream('big.bin', 3_000_000, generated(3_000_000, 1));
      const d2 = await w.addStream(longName, 1234, generated(1234, 2), { 'IMSTACK.s3meta': '{"content-type":"image/png"}' });
      await w.finish('last.json', Buffer.from('{}'));
      await assert.rejects(fsp.access(`${path}.partial`));
      assert.equal(d1.sha256, await sha(generated(3_000_000, 1)));
      const seen: string[] = [];
      const digests = await readArchive(path, key, async (e, s) => {
        seen.push(e.name);
        if (e.name === longName) {
          assert.equal(e.pax['IMSTACK.s3meta'], '{"content-type":"image/png"}');
          assert.equal(await sha(s), d2.sha256);
        }
      });
      assert.deepEqual(seen, ['big.bin', longName, 'last.json']);
      assert.deepEqual(digests.get('big.bin'), d1);
    });
  }

  it('keeps memory flat while streaming 200 MB through write and read', async function () {
    const path = join(dir, 'big.tar.gz.enc');
    const size = 200 * 1024 * 1024;
    global.gc?.();
    const base = process.memoryUsage().rss;
    let peak = base;
    const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    try {
      const w = new ArchiveWriter({ path, backupKey: 'k' });
      await w.addStream('data', size, generated(size, 3));
      await w.finish('end', Buffer.from('x'));
      const digests = await readArchive(path, 'k', async () => undefined);
      assert.equal(digests.get('data')?.size, size);
    } finally {
      clearInterval(timer);
    }
    const growthMb = (peak - base) / 1048576;
    assert.ok(growthMb < 100, `RSS grew by ${growthMb.toFixed(0)} MB while streaming 200 MB`);
  });

  it('refuses an entry whose source delivers fewer bytes than announced, and leaves no file', async () => {
    const path = join(dir, 'short.tar.gz');
    const w = new ArchiveWriter({ path });
    await assert.rejects(w.addStream('x', 100, Readable.from([Buffer.alloc(10)])));
    await w.abort(new Error('test'));
    await assert.rejects(fsp.access(path));
    await assert.rejects(fsp.access(`${path}.partial`));
  });

  it('reports a missing file and a non-archive clearly', async () => {
    await assert.rejects(readArchive(join(dir, 'nope.tar.gz'), undefined, async () => undefined), (e: unknown) => e instanceof ArchiveRejected && e.code === 'missing-file');
    await fsp.writeFile(join(dir, 'junk.tar.gz'), 'definitely not gzip');
    await assert.rejects(readArchive(join(dir, 'junk.tar.gz'), undefined, async () => undefined), (e: unknown) => e instanceof ArchiveRejected && /corrupt/.test(e.message));
  });
});
