// The keyed MAC of plain (unencrypted) archives.
//
// An encrypted archive is authenticated chunk by chunk by GCM, manifest included. A plain one
// only has the manifest's sha256 of every entry, and anyone can recompute those: without a
// secret, a forged plain archive would pass. So a plain archive written by a stack that has a
// backup key ends with one more entry, `manifest.hmac`, the HMAC-SHA256 (key derived from the
// backup key and a per-archive salt) of the entry before it (the manifest) and of every entry's
// own pax attributes (object metadata and recorded ETag, which the manifest's sha256 of the
// bytes does not cover). The manifest holds the sha256 of every other entry, so the MAC covers
// the whole archive.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'crypto';
import { deriveKey, keyCheck, matchKey, triedKeys } from './crypto';
import { ArchiveRejected, MAC_ENTRY } from './manifest';

const MAC_INFO = 'imstack-backup-manifest-mac-v1';
const ALG = 'HMAC-SHA256';
/** Our own pax records; tar-stream adds others (a long name's `path`) that differ between writer and reader. */
const ATTR_PREFIX = 'IMSTACK.';

/** SHA-256 over each entry's own pax attributes, in archive order; writer and reader build the same one. */
export class AttributeDigest {
  private readonly hash = createHash('sha256');
  add(name: string, pax: Readonly<Record<string, string>> | undefined): void {
    const own = Object.keys(pax ?? {}).filter((k) => k.startsWith(ATTR_PREFIX)).sort();
    if (own.length === 0) return;
    this.hash.update(JSON.stringify([name, own.map((k) => [k, (pax as Record<string, string>)[k]])]) + '\n');
  }
  digest(): Buffer {
    return this.hash.digest();
  }
}

interface MacRecord {
  readonly alg: typeof ALG;
  readonly salt: string;
  readonly keyCheck: string;
  readonly mac: string;
}

function mac(key: Buffer, last: Buffer, attributes: Buffer): Buffer {
  return createHmac('sha256', key).update(MAC_INFO).update(attributes).update(last).digest();
}

/** The `manifest.hmac` entry for an archive whose last entry is `last`. */
export function macEntry(backupKey: string, last: Buffer, attributes: Buffer): Buffer {
  const salt = randomBytes(16);
  const key = deriveKey(backupKey, salt, MAC_INFO);
  const record: MacRecord = { alg: ALG, salt: salt.toString('hex'), keyCheck: keyCheck(key).toString('hex'), mac: mac(key, last, attributes).toString('hex') };
  return Buffer.from(JSON.stringify(record));
}

function parseRecord(raw: Buffer): MacRecord {
  let v: Partial<MacRecord>;
  try {
    v = JSON.parse(raw.toString('utf8')) as Partial<MacRecord>;
  } catch {
    v = {};
  }
  const hex = (s: unknown, bytes: number): boolean => typeof s === 'string' && new RegExp(`^[0-9a-f]{${bytes * 2}}$`).test(s);
  if (v.alg !== ALG || !hex(v.salt, 16) || !hex(v.keyCheck, 16) || !hex(v.mac, 32)) {
    throw new ArchiveRejected('malformed', `${MAC_ENTRY} is damaged (not a MAC record); the archive cannot be authenticated`);
  }
  return v as MacRecord;
}

/**
 * Refuses the archive unless `record` is the MAC, under one of `keys`, of `last` (the manifest)
 * and the entries' attributes. A key check that matches none of the keys is reported as a
 * different key; a MAC that fails under the right key as an altered archive.
 */
export function checkMac(keys: readonly string[], record: Buffer, last: Buffer, attributes: Buffer): void {
  const r = parseRecord(record);
  const key = matchKey(keys, Buffer.from(r.salt, 'hex'), Buffer.from(r.keyCheck, 'hex'), MAC_INFO);
  if (!key) {
    throw new ArchiveRejected('wrong-key', `wrong backup key: this plain archive's MAC was made with a different key${triedKeys(keys.length)}, or by another stack`);
  }
  if (!timingSafeEqual(mac(key, last, attributes), Buffer.from(r.mac, 'hex'))) {
    throw new ArchiveRejected('tampered', 'the manifest does not match its MAC: this plain archive was altered after it was written (forged or tampered); nothing in it can be trusted');
  }
}
