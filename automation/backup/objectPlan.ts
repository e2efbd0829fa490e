// Which objects a restore has to touch. An object whose key, size, content (by ETag) and
// metadata already equal the archive's is left alone: restoring it would write the same bytes. Only the rest is
// uploaded, and only objects that will be overwritten or removed need a safety copy, which is
// what keeps a restore over mostly-unchanged data fast without weakening its guarantees.
import type * as Minio from 'minio';
import { listObjects, metaOf } from './objects';
import type { ArchivedObject } from './verify';

export interface LiveObject {
  readonly size: number;
  /** As listed; an MD5 for single-part uploads, `<md5>-<parts>` for multipart ones. */
  readonly etag: string;
}

export interface ObjectPlan {
  /** In the archive and not provably equal in the bucket: uploaded from the archive. */
  readonly upload: ReadonlySet<string>;
  /** In the bucket and about to be overwritten or removed: saved before anything changes. */
  readonly save: ReadonlySet<string>;
  /** Equal in both (key, size, content, metadata): not touched. Value: the ETag it was confirmed with. */
  readonly unchanged: ReadonlyMap<string, string>;
}

/** Canonical form of a metadata record, so key order does not count as a difference. */
export function canonicalMeta(json: string): string {
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch {
    return json;
  }
  if (typeof v !== 'object' || v === null) return json;
  const rec = v as Record<string, unknown>;
  return JSON.stringify(Object.entries(rec).map(([k, x]) => [k.toLowerCase(), String(x)]).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
}

/**
 * The pure part: sorts keys by what listing alone can tell. Candidates still need their
 * metadata compared. Content is equal when the bucket's ETag is the one the archive recorded
 * for its bytes, or, for older archives without it, when a single-part ETag equals the
 * content's MD5 (a multipart ETag is no MD5: such objects are re-uploaded, correct but slower).
 */
export function diffByListing(
  archived: ReadonlyMap<string, ArchivedObject>,
  live: ReadonlyMap<string, LiveObject>,
): { upload: Set<string>; save: Set<string>; candidates: string[] } {
  const upload = new Set<string>();
  const save = new Set<string>();
  const candidates: string[] = [];
  for (const [key, a] of archived) {
    const l = live.get(key);
    if (!l) upload.add(key);
    else if (l.size === a.size && (a.etag !== undefined ? l.etag === a.etag : !l.etag.includes('-') && l.etag.toLowerCase() === a.md5)) candidates.push(key);
    else {
      upload.add(key);
      save.add(key);
    }
  }
  for (const key of live.keys()) if (!archived.has(key)) save.add(key);
  return { upload, save, candidates };
}

export async function listLive(client: Minio.Client, bucket: string): Promise<Map<string, LiveObject>> {
  const live = new Map<string, LiveObject>();
  for await (const o of listObjects(client, bucket)) live.set(o.key, { size: o.size, etag: o.etag });
  return live;
}

/** Resolves with the ETag the bucket reports for `key` when its metadata equals `meta` (JSON), else undefined. */
export type MetadataCheck = (key: string, meta: string) => Promise<string | undefined>;

/** A MetadataCheck that keeps at most `parallel` requests in flight, however many callers there are. */
export function metadataChecker(client: Minio.Client, bucket: string, parallel = 8): MetadataCheck {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async (key, meta) => {
    while (active >= parallel) await new Promise<void>((r) => waiting.push(r));
    active++;
    try {
      const m = await metaOf(client, bucket, key);
      return canonicalMeta(JSON.stringify(m.meta)) === canonicalMeta(meta) ? m.etag : undefined;
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

/**
 * Plans a restore of `archived` over the bucket's `live` listing. Candidates already
 * confirmed with the same ETag (`confirmed`, from an earlier plan) are not asked again.
 */
export async function planObjects(
  client: Minio.Client,
  bucket: string,
  archived: ReadonlyMap<string, ArchivedObject>,
  live: ReadonlyMap<string, LiveObject>,
  confirmed: ReadonlyMap<string, string> = new Map(),
  check: MetadataCheck = metadataChecker(client, bucket),
): Promise<ObjectPlan> {
  const { upload, save, candidates } = diffByListing(archived, live);
  const unchanged = new Map<string, string>();
  const results = await Promise.allSettled(
    candidates.map(async (key) => {
      const etag = (live.get(key) as LiveObject).etag;
      if (confirmed.get(key) === etag || (await check(key, (archived.get(key) as ArchivedObject).meta)) !== undefined) unchanged.set(key, etag);
      else {
        upload.add(key);
        save.add(key);
      }
    }),
  );
  // Every request has settled before a failure is reported.
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return { upload, save, unchanged };
}
