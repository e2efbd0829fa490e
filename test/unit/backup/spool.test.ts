import { strict as assert } from 'assert';
import { createHash, randomBytes } from 'crypto';
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { PassThrough, Readable } from 'stream';
import { Spool } from '../../../automation/backup/spool';

async function drain(r: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of r) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

describe('dump spool (an elastic buffer on disk)', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'imstack-spool-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('readers that start early follow the file as it grows and get every byte once', async () => {
    const src = new PassThrough();
    const spool = new Spool(join(dir, 'd'), src);
    const early = drain(spool.follow());
    const data = randomBytes(3 * 1024 * 1024 + 17);
    for (let off = 0; off < data.length; off += 100_000) {
      src.write(data.subarray(off, off + 100_000));
      await new Promise((r) => setImmediate(r));
    }
    src.end();
    await spool.done;
    const late = await drain(spool.follow());
    const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
    assert.equal(sha(await early), sha(data));
    assert.equal(sha(late), sha(data));
  });

  it('the writer never waits for a slow reader', async () => {
    const data = randomBytes(4 * 1024 * 1024);
    const spool = new Spool(join(dir, 'd'), Readable.from([data.subarray(0, 2 << 20), data.subarray(2 << 20)]));
    const slow = spool.follow();
    slow.pause();
    await spool.done; // completes although nobody has read anything
    assert.equal((await drain(slow)).length, data.length);
  });

  it('abort fails the readers instead of leaving them waiting for bytes that never come', async () => {
    const src = new PassThrough();
    const spool = new Spool(join(dir, 'd'), src);
    src.write(Buffer.alloc(1000, 1));
    const reader = drain(spool.follow());
    await new Promise((r) => setTimeout(r, 20));
    spool.abort(new Error('archive broke off'));
    await assert.rejects(reader, /archive broke off/);
  });
});
