// An elastic buffer on disk: one side writes a stream into a file as fast as it arrives, and
// readers follow the file as it grows. Restore uses it so that the archive pass never waits
// for pg_restore: the dump is decrypted into the spool at full speed while pg_restore reads
// it at its own pace, and the pass moves on to hash the objects meanwhile.
import { EventEmitter } from 'events';
import { promises as fsp } from 'fs';
import { Readable, Writable } from 'stream';
import { pipeline } from 'stream/promises';

export class Spool {
  private readonly grew = new EventEmitter();
  private written = 0;
  private finished = false;
  private failure: Error | undefined;
  /** Resolves when the whole source is in the file. */
  readonly done: Promise<void>;

  constructor(readonly path: string, source: Readable) {
    this.grew.setMaxListeners(0);
    const opened = fsp.open(path, 'w', 0o600);
    opened.catch(() => undefined); // surfaces through the first write
    let closing: Promise<void> | undefined;
    const close = (): Promise<void> => (closing ??= opened.then((fh) => fh.close()));
    const out = new Writable({
      highWaterMark: 1 << 20,
      write: (chunk: Buffer, _e, cb) => {
        opened
          .then(async (fh) => {
            let off = 0;
            while (off < chunk.length) off += (await fh.write(chunk, off, chunk.length - off, this.written + off)).bytesWritten;
            // Readers are told only about bytes that are in the file.
            this.written += chunk.length;
            this.grew.emit('grew');
          })
          .then(() => cb(), (e: Error) => cb(e));
      },
      final: (cb) => {
        close().then(() => cb(), (e: Error) => cb(e));
      },
      destroy: (err, cb) => {
        close().then(() => cb(err), () => cb(err));
      },
    });
    this.done = pipeline(source, out).then(
      () => {
        this.finished = true;
        this.grew.emit('grew');
      },
      (e: Error) => {
        this.failure = e;
        this.grew.emit('grew');
        throw e;
      },
    );
    this.done.catch(() => undefined); // surfaced through readers and awaited by the owner
  }

  /** Fails every reader (the source broke off and will never end). */
  abort(e: Error): void {
    this.failure ??= e;
    this.grew.emit('grew');
  }

  /** A reader from the start of the file that ends when the source has ended (or fails with it). */
  follow(): Readable {
    let pos = 0;
    let fh: fsp.FileHandle | undefined;
    const spool = this;
    return new Readable({
      highWaterMark: 1 << 20,
      async read(size) {
        try {
          fh ??= await fsp.open(spool.path, 'r');
          for (;;) {
            if (spool.failure) throw spool.failure;
            if (pos < spool.written) {
              const want = Math.min(Math.max(size, 1 << 16), spool.written - pos, 1 << 20);
              const buf = Buffer.allocUnsafe(want);
              const { bytesRead } = await fh.read(buf, 0, want, pos);
              pos += bytesRead;
              this.push(buf.subarray(0, bytesRead));
              return;
            }
            if (spool.finished) {
              await fh.close();
              fh = undefined;
              this.push(null);
              return;
            }
            await new Promise((r) => spool.grew.once('grew', r));
          }
        } catch (e) {
          this.destroy(e as Error);
        }
      },
      destroy(err, cb) {
        const h = fh;
        fh = undefined;
        (h ? h.close() : Promise.resolve()).then(() => cb(err), () => cb(err));
      },
    });
  }
}
