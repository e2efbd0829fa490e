// The archive's manifest: what was backed up and the checksum of every entry. It is the
// last tar entry (checksums are only known once the data has streamed through); a small
// header.json entry comes first so another stack's archive or an unknown format is refused
// before any data is read.
import { ALL_COMPONENTS, type Component, type RejectionCode } from './contract';

// Defined in the contract (the job's results and error codes name them); re-exported for the engine.
export { ALL_COMPONENTS };
export type { Component, RejectionCode };

export const FORMAT_VERSION = 1;

export interface ArchiveHeader {
  readonly formatVersion: number;
  readonly stack: string;
  readonly createdAt: string;
  readonly components: readonly Component[];
  /** "scheduled", "manual" or "safety" (taken automatically before a restore). */
  readonly kind: BackupKind;
}
export type BackupKind = 'scheduled' | 'manual' | 'safety';

export interface ManifestEntry {
  readonly name: string;
  readonly size: number;
  readonly sha256: string;
}

export interface Manifest extends ArchiveHeader {
  readonly tools: Readonly<Record<string, string>>;
  readonly database?: string;
  readonly bucket?: string;
  readonly entries: readonly ManifestEntry[];
  /** Row count per table ("schema.table"), taken in the same snapshot as the dump. */
  readonly rowCounts: Readonly<Record<string, number>>;
  readonly objectCount: number;
  readonly objectBytes: number;
}

export const HEADER_ENTRY = 'header.json';
export const MANIFEST_ENTRY = 'manifest.json';
/** Plain archives only: the keyed MAC of the manifest (see mac.ts); after the manifest, last. */
export const MAC_ENTRY = 'manifest.hmac';
export const POSTGRES_ENTRY = 'postgres.dump';
export const REDIS_ENTRY = 'redis.rdb';
export const OBJECT_PREFIX = 'objects/';

/**
 * Why an archive is refused; `code` is stable for callers and tests. The encryption and MAC
 * failures are told apart: `truncated` (ended early), `damaged-header`, `wrong-key` (an intact
 * header whose key check matches none of the keys) and `tampered` (a chunk or the manifest fails
 * authentication). `unencrypted`: a plain archive on a stack that encrypts; `unauthenticated`:
 * a plain archive without a MAC; `name-taken`: a host file named like an archive with other content.
 */
export class ArchiveRejected extends Error {
  constructor(readonly code: RejectionCode, message: string) {
    super(message);
    this.name = 'ArchiveRejected';
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function parseHeader(raw: string, expectedStack: string): ArchiveHeader {
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    throw new ArchiveRejected('malformed', `${HEADER_ENTRY} is not valid JSON`);
  }
  if (!isObject(v)) throw new ArchiveRejected('malformed', `${HEADER_ENTRY} is not an object`);
  if (v.formatVersion !== FORMAT_VERSION) {
    throw new ArchiveRejected('format-version', `unknown archive format version ${JSON.stringify(v.formatVersion)} (this tool reads version ${FORMAT_VERSION})`);
  }
  if (typeof v.stack !== 'string') throw new ArchiveRejected('malformed', `${HEADER_ENTRY} has no stack`);
  if (v.stack !== expectedStack) {
    throw new ArchiveRejected('wrong-stack', `archive belongs to stack "${v.stack}", not "${expectedStack}"`);
  }
  if (typeof v.createdAt !== 'string' || !Array.isArray(v.components) || !v.components.every((c) => ALL_COMPONENTS.includes(c as Component))) {
    throw new ArchiveRejected('malformed', `${HEADER_ENTRY} is missing createdAt or has unknown components`);
  }
  const kind = v.kind === 'scheduled' || v.kind === 'safety' ? v.kind : 'manual';
  return { formatVersion: FORMAT_VERSION, stack: v.stack, createdAt: v.createdAt, components: v.components as Component[], kind };
}

export function parseManifest(raw: string, header: ArchiveHeader): Manifest {
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    throw new ArchiveRejected('malformed', `${MANIFEST_ENTRY} is not valid JSON`);
  }
  if (!isObject(v) || !Array.isArray(v.entries) || !isObject(v.rowCounts) || typeof v.objectCount !== 'number') {
    throw new ArchiveRejected('malformed', `${MANIFEST_ENTRY} is missing entries, rowCounts or objectCount`);
  }
  if (v.formatVersion !== header.formatVersion || v.stack !== header.stack || v.createdAt !== header.createdAt) {
    throw new ArchiveRejected('malformed', `${MANIFEST_ENTRY} does not match ${HEADER_ENTRY} (format, stack or time differ)`);
  }
  for (const e of v.entries) {
    if (!isObject(e) || typeof e.name !== 'string' || typeof e.size !== 'number' || typeof e.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(e.sha256)) {
      throw new ArchiveRejected('malformed', `${MANIFEST_ENTRY} has a malformed entry`);
    }
  }
  return v as unknown as Manifest;
}

/**
 * Compares what was read from the archive with what the manifest promises. Pure: the reader
 * computes `seen`; this decides. Every entry must match in size and sha256, and nothing may
 * be missing or extra.
 */
export function checkEntries(manifest: Manifest, seen: ReadonlyMap<string, { size: number; sha256: string }>): void {
  const listed = new Set<string>();
  for (const e of manifest.entries) {
    listed.add(e.name);
    const s = seen.get(e.name);
    if (!s) throw new ArchiveRejected('missing-entry', `entry "${e.name}" listed in the manifest is missing from the archive`);
    if (s.size !== e.size) throw new ArchiveRejected('checksum', `entry "${e.name}" is ${s.size} bytes, manifest says ${e.size}`);
    if (s.sha256 !== e.sha256) throw new ArchiveRejected('checksum', `entry "${e.name}" sha256 does not match the manifest`);
  }
  for (const name of seen.keys()) {
    if (!listed.has(name)) throw new ArchiveRejected('unexpected-entry', `entry "${name}" is not listed in the manifest`);
  }
  const objects = manifest.entries.filter((e) => e.name.startsWith(OBJECT_PREFIX)).length;
  if (objects !== manifest.objectCount) {
    throw new ArchiveRejected('checksum', `manifest lists ${objects} objects but says objectCount=${manifest.objectCount}`);
  }
  for (const c of manifest.components) {
    if (c === 'postgres' && !listed.has(POSTGRES_ENTRY)) throw new ArchiveRejected('missing-entry', `component postgres has no ${POSTGRES_ENTRY}`);
    if (c === 'redis' && !listed.has(REDIS_ENTRY)) throw new ArchiveRejected('missing-entry', `component redis has no ${REDIS_ENTRY}`);
  }
}
