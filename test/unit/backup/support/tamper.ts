// Rewrites an archive entry by entry (test data is small, so entries are buffered here),
// to forge the bad inputs a restore must refuse.
import { createHash } from 'crypto';
import { createReadStream, createWriteStream } from 'fs';
import { Readable, Writable } from 'stream';
import { pipeline } from 'stream/promises';
import * as zlib from 'zlib';
import * as tar from 'tar-stream';
import { DecryptStream, EncryptStream } from '../../../../automation/backup/crypto';

export type EntryEdit = (name: string, data: Buffer) => Buffer | null;

/**
 * Reads `src` (decrypted with `key` when given) and writes `dst` with `edit` applied to every
 * entry; `outKey` (default: `key`) encrypts the output, an empty one writes it plain.
 */
export async function rewriteArchive(
  src: string,
  dst: string,
  key: string | undefined,
  edit: EntryEdit,
  editPax?: (name: string, pax: Record<string, string>) => Record<string, string>,
  outKey: string | undefined = key,
): Promise<void> {
  const entries: { header: tar.Header; data: Buffer }[] = [];
  const extract = tar.extract();
  const collect = (async () => {
    for await (const e of extract as unknown as AsyncIterable<Readable & { header: tar.Header }>) {
      const parts: Buffer[] = [];
      for await (const c of e) parts.push(c as Buffer);
      entries.push({ header: e.header, data: Buffer.concat(parts) });
    }
  })();
  const stages: (NodeJS.ReadableStream | NodeJS.WritableStream)[] = [createReadStream(src)];
  if (key) stages.push(new DecryptStream(key));
  stages.push(zlib.createGunzip(), extract as unknown as Writable);
  await Promise.all([(pipeline as (...s: unknown[]) => Promise<void>)(...stages), collect]);

  const pack = tar.pack();
  const out: (NodeJS.ReadableStream | NodeJS.WritableStream)[] = [pack as unknown as Readable, zlib.createGzip()];
  if (outKey) out.push(new EncryptStream(outKey));
  out.push(createWriteStream(dst));
  const done = (pipeline as (...s: unknown[]) => Promise<void>)(...out);
  for (const { header, data } of entries) {
    const next = edit(header.name, data);
    if (!next) continue;
    const pax = header.pax && editPax ? editPax(header.name, { ...(header.pax as Record<string, string>) }) : header.pax;
    pack.entry({ ...header, pax, size: next.length }, next);
  }
  pack.finalize();
  await done;
}

export function editJson(data: Buffer, fn: (v: Record<string, unknown>) => void): Buffer {
  const v = JSON.parse(data.toString('utf8')) as Record<string, unknown>;
  fn(v);
  return Buffer.from(JSON.stringify(v));
}

/**
 * The forgery of issue 15 (item 0): `entry`'s bytes replaced by `evil`, and its size and sha256
 * in the manifest and its recorded ETag changed to match, so that only a key can tell.
 */
export async function forgeEntry(src: string, dst: string, key: string | undefined, outKey: string | undefined, entry: string, evil: Buffer): Promise<void> {
  const sha256 = createHash('sha256').update(evil).digest('hex');
  await rewriteArchive(
    src,
    dst,
    key,
    (name, data) =>
      name === entry
        ? evil
        : name === 'manifest.json'
          ? editJson(data, (m) => {
              const e = (m.entries as Array<{ name: string; sha256: string; size: number }>).find((x) => x.name === entry);
              if (e) Object.assign(e, { sha256, size: evil.length });
            })
          : data,
    (name, pax) => (name === entry && pax['IMSTACK.etag'] ? { ...pax, 'IMSTACK.etag': `"${createHash('md5').update(evil).digest('hex')}"` } : pax),
    outKey,
  );
}
