// The engine's side of issue 15, items 0, 1, 5 and 6 (refused host files), against a real
// PostgreSQL cluster and s3rver: plain archives and their keyed MAC, the policy of a stack that
// encrypts, host copies staged under .incoming, and the refusal codes that tell the failures apart.
import { strict as assert } from 'assert';
import { createHash } from 'crypto';
import { promises as fsp } from 'fs';
import { join } from 'path';
import { backup, BackupResult } from '../../../automation/backup/backup';
import type { BackupContext } from '../../../automation/backup/context';
import { INCOMING_DIR, removeStaleIncoming, STALE_INCOMING_MS } from '../../../automation/backup/incoming';
import { ArchiveRejected, MAC_ENTRY, RejectionCode } from '../../../automation/backup/manifest';
import { restore } from '../../../automation/backup/restore';
import { listLocal, readInfo } from '../../../automation/backup/store';
import { verify, verifyPath } from '../../../automation/backup/verify';
import { forgeEntry, rewriteArchive } from './support/tamper';
import { Env, missingPgReason, skipOrFail, startEnv } from './support/env';
import { fingerprint, Fingerprint, mutate, seed } from './support/fixture';

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const OBJECT = 'objects/uploads/1/file 1.bin';

async function refusedWith(p: Promise<unknown>, code: RejectionCode, message: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof ArchiveRejected, String(e));
    assert.equal(e.code, code, e.message);
    assert.match(e.message, message);
    return true;
  });
}

/** The forgery of OBJECT (see forgeEntry). */
const forge = (src: string, dst: string, key: string | undefined, outKey: string | undefined): Promise<void> => forgeEntry(src, dst, key, outKey, OBJECT, Buffer.from('forged bytes'));

describe('plain archives, their MAC, and a stack that encrypts', function () {
  this.timeout(60_000);
  let env: Env;
  let enc: BackupContext;
  let plainCtx: BackupContext;
  let genuine: BackupResult;
  let plain: BackupResult;
  let unkeyed: BackupResult;

  before(async function () {
    skipOrFail(this, missingPgReason());
    env = await startEnv();
    await seed(env.conn, env.s3.target);
    enc = env.ctx();
    plainCtx = { ...enc, encrypt: false };
    genuine = await backup(enc, { components: ['postgres', 'minio'] });
    plain = await backup(plainCtx, { components: ['postgres', 'minio'] });
    unkeyed = await backup({ ...enc, backupKey: undefined }, { components: ['postgres', 'minio'] });
  });
  after(async () => {
    await env?.stop();
  });
  const inDir = (c: BackupContext, name: string): string => join(c.backupDir, name);

  it('a stack that does not encrypt writes plain archives that end with the keyed MAC, and verifies them', async () => {
    assert.match(plain.file, /\.tar\.gz$/);
    const names: string[] = [];
    await rewriteArchive(plain.path, join(plainCtx.backupDir, 'probe'), undefined, (n, d) => (names.push(n), d));
    assert.deepEqual(names.slice(-2), ['manifest.json', MAC_ENTRY]);
    assert.equal((await readInfo(plain.path))?.encrypted, false);
    await verify(plainCtx, plain.file);
  });

  it('item 0: a stack that encrypts refuses a plain archive, MACed or not, unless allowUnencrypted', async () => {
    for (const file of [plain.path, unkeyed.path]) {
      const copy = inDir(enc, file.split('/').pop() as string);
      if (copy !== file) await fsp.copyFile(file, copy);
      await refusedWith(verify(enc, copy), 'unencrypted', /not encrypted, but this stack encrypts.*--allow-unencrypted/);
      await verify({ ...enc, allowUnencrypted: true }, copy);
    }
  });

  it('item 0: a forged plain archive is refused on a stack that does not encrypt too (its MAC fails), even with allowUnencrypted', async () => {
    const forged = inDir(plainCtx, 'backup_test_20200101_000010.tar.gz');
    await forge(plain.path, forged, undefined, undefined);
    await refusedWith(verify(plainCtx, forged), 'tampered', /does not match its MAC.*forged or tampered/);
    await refusedWith(verify({ ...plainCtx, allowUnencrypted: true }, forged), 'tampered', /MAC/);
    await refusedWith(verify({ ...enc, allowUnencrypted: true }, forged), 'tampered', /MAC/);
  });

  it('the MAC covers the object metadata (pax attributes), which the manifest sha256 does not', async () => {
    const forged = inDir(plainCtx, 'backup_test_20200101_000011.tar.gz');
    await rewriteArchive(plain.path, forged, undefined, (_n, d) => d, (name, pax) => (name === OBJECT ? { ...pax, 'IMSTACK.s3meta': '{"content-type":"text/html"}' } : pax));
    await refusedWith(verify(plainCtx, forged), 'tampered', /MAC/);
  });

  it('a plain archive without its MAC is only accepted with allowUnencrypted; one MACed under another key is a wrong key', async () => {
    const stripped = inDir(plainCtx, 'backup_test_20200101_000012.tar.gz');
    await rewriteArchive(plain.path, stripped, undefined, (n, d) => (n === MAC_ENTRY ? null : d));
    await refusedWith(verify(plainCtx, stripped), 'unauthenticated', /carries no MAC.*--allow-unencrypted/);
    await verify({ ...plainCtx, allowUnencrypted: true }, stripped);
    // An archive of a stack without any key (older plain archives) is the same case.
    await refusedWith(verify(plainCtx, unkeyed.path), 'unauthenticated', /carries no MAC/);
    // After a rotation the previous key still proves it; a key the stack never had does not.
    await verify({ ...plainCtx, backupKey: 'the-next-key', previousKeys: [enc.backupKey as string] }, plain.file);
    await refusedWith(verify({ ...plainCtx, backupKey: 'never-this-stack-key' }, plain.file), 'wrong-key', /MAC was made with a different key/);
  });

  it("a plain archive's dump reaches pg_restore only after its MAC and checksums passed; an encrypted one's during the pass", async () => {
    const forged = inDir(plainCtx, 'backup_test_20200101_000013.tar.gz');
    await rewriteArchive(
      plain.path,
      forged,
      undefined,
      (n, d) => (n === 'postgres.dump' ? Buffer.concat([d.subarray(0, d.length - 1), Buffer.from([d[d.length - 1] ^ 1])]) : d),
    );
    const runs: string[] = [];
    const consumeDump = (spoolTo: string) => ({ spoolTo, run: async () => void runs.push('run') });
    await fsp.mkdir(join(plainCtx.backupDir, '.work'), { recursive: true });
    await refusedWith(verifyPath(plainCtx, forged, { consumeDump: consumeDump(join(plainCtx.backupDir, '.work', 'd1')) }), 'checksum', /postgres\.dump/);
    const macForged = inDir(plainCtx, 'backup_test_20200101_000014.tar.gz');
    await forge(plain.path, macForged, undefined, undefined);
    await refusedWith(verifyPath(plainCtx, macForged, { consumeDump: consumeDump(join(plainCtx.backupDir, '.work', 'd2')) }), 'tampered', /MAC/);
    assert.deepEqual(runs, [], 'pg_restore never saw the bytes of a refused plain archive');
    await verifyPath(plainCtx, plain.path, { consumeDump: consumeDump(join(plainCtx.backupDir, '.work', 'd3')) });
    assert.deepEqual(runs, ['run']);
    let objectsSeenBeforeRun = -1;
    let objects = 0;
    await fsp.mkdir(join(enc.backupDir, '.work'), { recursive: true });
    await verifyPath(enc, genuine.path, {
      consumeObject: async () => void objects++,
      consumeDump: { spoolTo: join(enc.backupDir, '.work', 'd4'), run: async () => void (objectsSeenBeforeRun = objects) },
    });
    assert.equal(objectsSeenBeforeRun, 0, 'encrypted: pg_restore starts as soon as the dump is spooled, before the objects are read');
  });

  it('item 5: the refusal codes tell truncated, damaged header, wrong key and tampered chunk apart', async () => {
    const bytes = await fsp.readFile(genuine.path);
    const write = async (n: number, b: Buffer): Promise<string> => {
      const f = inDir(enc, `backup_test_20200101_00002${n}.tar.gz.enc`);
      await fsp.writeFile(f, b);
      return f;
    };
    const flip = (at: number): Buffer => {
      const b = Buffer.from(bytes);
      b[at] ^= 0x08;
      return b;
    };
    await refusedWith(verify(enc, await write(0, bytes.subarray(0, Math.floor(bytes.length / 2)))), 'truncated', /truncated: it ended early/);
    await refusedWith(verify(enc, await write(1, flip(20))), 'damaged-header', /encryption header is damaged/);
    await refusedWith(verify(enc, await write(2, flip(2))), 'damaged-header', /encryption header is damaged \(its magic bytes\)/);
    await refusedWith(verify(enc, await write(3, flip(Math.floor(bytes.length / 2)))), 'tampered', /failed authentication at chunk \d+ .*tampered with or damaged/);
    await refusedWith(verify({ ...enc, backupKey: 'another-key-entirely' }, genuine.path), 'wrong-key', /wrong backup key: the archive was encrypted with a different key/);
    // The manifest of an encrypted archive is covered by GCM like every other byte. It is the
    // last tar entry: a plaintext offset before the gzip trailer (8), the tar's end blocks (1024)
    // and the entry's padding (< 512) lies inside it; mapped to the ciphertext (60-byte header,
    // 64 KiB chunks + 16-byte tags, a 16-byte end mark).
    const CHUNK = 64 * 1024;
    const rest = bytes.length - 60 - 16;
    const plainLen = rest - 16 * Math.ceil(rest / (CHUNK + 16));
    const inManifest = plainLen - 8 - 1024 - 512 - 200;
    assert.ok(genuine.manifest.entries.length * 100 > 200 + 512, 'the manifest is long enough for the offset to fall inside it');
    const manifestFlip = await write(4, flip(60 + Math.floor(inManifest / CHUNK) * (CHUNK + 16) + (inManifest % CHUNK)));
    await refusedWith(verify(enc, manifestFlip), 'tampered', /failed authentication at chunk/);
  });
});

describe('host copies staged under .incoming (items 1 and 6)', function () {
  this.timeout(60_000);
  let env: Env;
  let ctx: BackupContext;
  let genuine: BackupResult;
  let genuineSha = '';
  let live: Fingerprint;

  before(async function () {
    skipOrFail(this, missingPgReason());
    env = await startEnv();
    await seed(env.conn, env.s3.target);
    ctx = env.ctx();
    genuine = await backup(ctx, { components: ['postgres', 'minio'] });
    genuineSha = sha256(await fsp.readFile(genuine.path));
    await mutate(env.conn, env.s3.target);
    live = await fingerprint(env.conn, env.s3.target);
  });
  after(async () => {
    await env?.stop();
  });

  /** What imctl does: the host file lands in .incoming/<token>/<its name>. */
  async function stage(name: string, bytes: Buffer): Promise<string> {
    const dir = join(ctx.backupDir, INCOMING_DIR, `t${Math.random().toString(16).slice(2)}`);
    await fsp.mkdir(dir, { recursive: true });
    await fsp.writeFile(join(dir, name), bytes);
    return join(dir, name);
  }
  const incoming = async (): Promise<string[]> => fsp.readdir(join(ctx.backupDir, INCOMING_DIR)).catch(() => []);
  const listed = async (): Promise<string[]> => (await listLocal(ctx.backupDir, ctx.stack)).map((a) => a.file);

  it('a tampered copy with the genuine name is refused as name-taken; the genuine archive and its info are untouched', async () => {
    const info = await readInfo(genuine.path);
    const bad = Buffer.from(await fsp.readFile(genuine.path));
    bad[Math.floor(bad.length / 2)] ^= 0x20;
    const before = await listed();
    for (const run of [(p: string) => restore(ctx, p), (p: string) => verify(ctx, p)]) {
      await refusedWith(run(await stage(genuine.file, bad)), 'name-taken', new RegExp(`${genuine.file.replace(/\./g, '\\.')} is already in the backups volume, with other content`));
      assert.equal(sha256(await fsp.readFile(genuine.path)), genuineSha);
      assert.deepEqual(await readInfo(genuine.path), info);
      assert.deepEqual(await listed(), before);
      assert.deepEqual(await incoming(), [], 'the refused copy is removed');
    }
    assert.deepEqual(await fingerprint(env.conn, env.s3.target), live, 'nothing live changed');
  });

  it('an identical copy with the genuine name uses the archive already there', async () => {
    const before = await listed();
    const r = await verify(ctx, await stage(genuine.file, await fsp.readFile(genuine.path)));
    assert.equal(r.path, genuine.path);
    assert.deepEqual(await listed(), before);
    assert.deepEqual(await incoming(), []);
  });

  it('a refused copy under a new name is removed, never listed', async () => {
    const before = await listed();
    const bad = Buffer.from(await fsp.readFile(genuine.path));
    bad[100] ^= 1;
    await refusedWith(restore(ctx, await stage('backup_test_20200101_000001.tar.gz.enc', bad)), 'tampered', /authentication/);
    await refusedWith(verify(ctx, await stage('backup_test_20200101_000002.tar.gz.enc', bad)), 'tampered', /authentication/);
    assert.deepEqual(await listed(), before);
    assert.deepEqual(await incoming(), []);
    assert.deepEqual(await fingerprint(env.conn, env.s3.target), live);
  });

  it('a good copy under a new name is verified where it landed, then kept under its name with info describing it', async () => {
    const name = 'backup_test_20200101_000003.tar.gz.enc';
    const r = await verify(ctx, await stage(name, await fsp.readFile(genuine.path)));
    assert.equal(r.path, join(ctx.backupDir, name));
    assert.equal(sha256(await fsp.readFile(r.path)), genuineSha);
    const info = await readInfo(r.path);
    assert.equal(info?.file, name);
    assert.equal(info?.lastVerified?.ok, true);
    assert.equal(info?.objectCount, genuine.manifest.objectCount);
    assert.deepEqual(await incoming(), []);
  });

  it('a restore of a good copy under a new name restores it and keeps it; the journal and the safety archive read it there', async () => {
    const name = 'backup_test_20200101_000004.tar.gz.enc';
    const r = await restore(ctx, await stage(name, await fsp.readFile(genuine.path)));
    assert.equal(r.archive, join(ctx.backupDir, name));
    assert.equal(r.safetyPending, false);
    assert.ok((await listed()).includes(name));
    assert.deepEqual(await incoming(), []);
    // The safety archive (written from the kept archive's unchanged objects) is whole.
    await verify(ctx, r.safety);
  });

  it('staging folders left by a killed copy are removed once stale, fresh ones are kept', async () => {
    const old = await stage('backup_test_20200101_000005.tar.gz.enc', Buffer.from('partial'));
    const fresh = await stage('backup_test_20200101_000006.tar.gz.enc', Buffer.from('arriving'));
    const now = new Date();
    const past = new Date(now.getTime() - STALE_INCOMING_MS - 60_000);
    await fsp.utimes(old, past, past);
    await fsp.utimes(join(old, '..'), past, past);
    await removeStaleIncoming(ctx.backupDir, now);
    await assert.rejects(fsp.access(old));
    await fsp.access(fresh);
  });
});
