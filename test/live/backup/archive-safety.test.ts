// Archive safety on a real stack that encrypts its backups (issue 15, items 0, 1, 5 and the
// "refused host files stay listed" bullet of 6), each reproduced the way an operator would:
// - a tampered host copy that keeps the genuine archive's name must not replace it;
// - a refused host file must not be left in (or listed from) the backups volume;
// - truncated, damaged-header, wrong-key and tampered-chunk archives are refused with messages
//   that tell them apart;
// - a forged plain archive (object bytes, manifest sha256 and recorded ETag all changed) is
//   refused on a stack that encrypts; the import flag asks first; and a plain archive the
//   stack wrote itself (so it carries the keyed MAC) is refused once altered, even with the flag.
// One throwaway stack ("archsafe") for the whole file, purged afterwards.
import * as assert from 'assert';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import Docker from 'dockerode';
import { LiveStack, runStack } from '../engine/run-stack';
import { extraCaBuildArgs, freeDevPorts, liveStackOverrides, requireLive } from '../support';
import { ROOT, scratchProject, eventually, jsonResult } from '../imctl/support';
import { jobEnv, stackApi, stackCli } from './support';
import { forgeEntry, rewriteArchive } from '../../unit/backup/support/tamper';
import { DockerodeExec } from '../../../automation/jobClient/dockerodeExec';
import { BACKUPS_DIR, JOB_MAIN } from '../../../automation/backup/contract';

const STACK = 'archsafe';
const PASSWORD = 'archive-safety-pw-1';
const NOTES = Buffer.from('the genuine notes\n'.repeat(400));

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
/** Archive names of this stack on a fixed day, one per test case, so none collides with a real one. */
const named = (second: number, encrypted = true): string => `backup_${STACK}_20200101_0000${String(second).padStart(2, '0')}.tar.gz${encrypted ? '.enc' : ''}`;

describe('archive safety on a live stack that encrypts (real Docker engine)', function () {
  let live: LiveStack | undefined;
  let http = 0;
  let secrets: string[] = [];
  let backupKey = '';
  let jobId = '';
  let outDir = '';
  const exec = new DockerodeExec();
  const cli = stackCli(STACK, () => secrets);

  const api = stackApi(() => http);

  /** Runs a command in the backup job container; resolves with its exit code and stdout lines. */
  async function inJob(cmd: string[], env?: Record<string, string>): Promise<{ code: number; out: string[] }> {
    const out: string[] = [];
    const code = await exec.run(jobId, cmd, { stdin: false, env }, (l) => void (l.stream === 'stdout' && out.push(l.text)));
    return { code, out };
  }
  const volumeSha = async (name: string): Promise<string> => {
    const r = await inJob(['sha256sum', `${BACKUPS_DIR}/${name}`]);
    assert.strictEqual(r.code, 0, `sha256sum ${name}: ${r.out.join('\n')}`);
    return r.out.join('').split(/\s+/)[0];
  };
  /** Every file in the backups volume except the daemon's own (locks, status and its atomic temp file), recursively. */
  const volumeFiles = async (): Promise<string[]> => {
    const r = await inJob(['find', BACKUPS_DIR, '-type', 'f', '!', '-name', 'status.json', '!', '-name', '.lock', '!', '-name', '.status.lock', '!', '-name', '.status.json.*.tmp']);
    return r.out.map((l) => l.trim()).filter(Boolean).sort();
  };
  const listed = async (): Promise<Array<{ file: string; bytes: number; lastVerified?: { ok: boolean } }>> => {
    const r = await cli('--json', 'backups', 'list', '--no-remote');
    assert.strictEqual(r.code, 0, r.stderr);
    return jsonResult<Array<{ file: string; bytes: number; lastVerified?: { ok: boolean } }>>(r);
  };

  let token = '';
  let fileId = '';
  let archive = '';
  let hostCopy = '';
  let genuineSha = '';
  const served = async (): Promise<Buffer> => {
    const res = await fetch(`http://127.0.0.1:${http}/api/files/${fileId}`, { headers: { authorization: `Bearer ${token}` } });
    assert.strictEqual(res.status, 200, `GET /api/files/${fileId}`);
    return Buffer.from(await res.arrayBuffer());
  };

  /** The volume holds what it held before (same files), and `backups list` shows the same archives. */
  async function volumeUnchanged(files: string[], rows: Array<{ file: string }>, what: string): Promise<void> {
    assert.deepStrictEqual(await volumeFiles(), files, `${what}: nothing is left in the backups volume`);
    assert.deepStrictEqual((await listed()).map((r) => r.file), rows.map((r) => r.file), `${what}: backups list is unchanged`);
  }

  before(async function () {
    await requireLive(this);
    const ports = await freeDevPorts();
    http = ports.http;
    const portOverrides = Object.fromEntries(Object.entries(ports).map(([k, v]) => [`ports.${k}`, v]));
    live = await runStack({
      stack: STACK,
      projectDir: scratchProject(STACK),
      program: path.join(ROOT, 'index.ts'),
      configOverrides: { ...liveStackOverrides(), ...portOverrides, publishServices: false, 'backup.encrypt': true, ...extraCaBuildArgs() },
      log: (l) => console.log(`      [${STACK}] ${l}`),
      timeoutMs: 10 * 60_000,
    });
    if (!live.ok) throw new Error(`stack ${STACK} did not come up:\n${live.errors.join('\n')}`);
    await eventually(async () => (await fetch(`http://127.0.0.1:${http}/health`).catch(() => undefined))?.status === 200, 120000, '/health through nginx');
    const docker = new Docker();
    const [c] = await docker.listContainers({ filters: { label: [`com.imstack.stack=${STACK}`, 'com.imstack.service=backup'] } });
    jobId = c.Id;
    const env = await jobEnv(docker, exec, jobId);
    backupKey = env.BACKUP_KEY ?? '';
    assert.ok(backupKey, 'backup.encrypt: true gives the job its key');
    secrets = [env.PGPASSWORD, env.S3_SECRET_KEY, backupKey].filter((s): s is string => Boolean(s && s.length >= 8));
    outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'imstack-archsafe-'));

    const alice = await api<{ user: { id: string }; accessToken: string }>('POST', '/api/auth/register', undefined, { username: 'alice', password: PASSWORD });
    const bob = await api<{ user: { id: string }; accessToken: string }>('POST', '/api/auth/register', undefined, { username: 'bob', password: PASSWORD });
    token = alice.accessToken;
    const conv = (await api<{ id: string }>('POST', '/api/conversations', token, { type: 'direct', memberIds: [bob.user.id] })).id;
    await api('POST', `/api/conversations/${conv}/messages`, token, { body: 'hello' });
    const form = new FormData();
    form.append('file', new Blob([NOTES], { type: 'text/plain' }), 'notes.txt');
    fileId = (await api<{ id: string }>('POST', `/api/conversations/${conv}/files`, token, form)).id;
    assert.deepStrictEqual(await served(), NOTES);
  });

  after(async function () {
    if (outDir) fs.rmSync(outDir, { recursive: true, force: true });
    if (live && process.env.IMSTACK_LIVE_KEEP !== '1') {
      const r = await live.teardown({ purge: true });
      console.log(`      teardown removed ${r.containers.length} containers, ${r.networks.length} networks, ${r.volumes.length} volumes`);
    }
  });

  it('imctl backup writes the genuine encrypted archive and copies it out', async function () {
    const r = await cli('backup', '--output', outDir);
    assert.strictEqual(r.code, 0, r.stderr);
    archive = new RegExp(`backup (backup_${STACK}_\\d{8}_\\d{6}\\.tar\\.gz\\.enc)`).exec(r.stdout)?.[1] ?? '';
    assert.ok(archive, r.stdout);
    hostCopy = path.join(outDir, archive);
    genuineSha = sha256(fs.readFileSync(hostCopy));
    assert.strictEqual(await volumeSha(archive), genuineSha);
  });

  it('item 1: a tampered host copy that keeps the name is refused and the genuine archive stays exactly as it was', async function () {
    const files = await volumeFiles();
    const rows = await listed();
    const tamperedDir = path.join(outDir, 'tampered');
    fs.mkdirSync(tamperedDir);
    const tampered = path.join(tamperedDir, archive);
    const bytes = fs.readFileSync(hostCopy);
    bytes[Math.floor(bytes.length / 2)] ^= 0x20;
    fs.writeFileSync(tampered, bytes);

    const r = await cli('restore', tampered, '--force');
    assert.strictEqual(r.code, 12, r.stdout + r.stderr);
    assert.match(r.stderr, /archive refused: /);
    assert.doesNotMatch(r.stderr, /maintenance on/);
    assert.strictEqual(await volumeSha(archive), genuineSha, 'the genuine archive in the volume is untouched');
    await volumeUnchanged(files, rows, 'refused same-name host copy');
    const row = (await listed()).find((x) => x.file === archive);
    assert.strictEqual(row?.bytes, bytes.length);
    assert.notStrictEqual(row?.lastVerified?.ok, false, 'the genuine archive is not recorded as failed');
    const v = await cli('backups', 'verify', archive);
    assert.strictEqual(v.code, 0, v.stderr);

    // The genuine host copy under the same name: identical content, so the archive already in
    // the volume is used and nothing is added.
    const same = await cli('backups', 'verify', hostCopy);
    assert.strictEqual(same.code, 0, same.stderr);
    assert.match(same.stdout, /OK/);
    await volumeUnchanged(files, rows, 'identical same-name host copy');
  });

  it('item 6: a host file refused under a new name is removed from the volume, not left listed', async function () {
    const files = await volumeFiles();
    const rows = await listed();
    const bytes = fs.readFileSync(hostCopy);
    bytes[Math.floor(bytes.length / 2)] ^= 0x20;
    const renamed = path.join(outDir, named(1));
    fs.writeFileSync(renamed, bytes);
    const r = await cli('restore', renamed, '--force');
    assert.strictEqual(r.code, 12, r.stdout + r.stderr);
    await volumeUnchanged(files, rows, 'refused host file under a new name');
    // A good host file under a new name is kept under that name, with facts that describe it.
    const good = path.join(outDir, named(2));
    fs.copyFileSync(hostCopy, good);
    const v = await cli('backups', 'verify', good);
    assert.strictEqual(v.code, 0, v.stderr);
    const row = (await listed()).find((x) => x.file === named(2));
    assert.ok(row, 'the verified host file is listed under its name');
    assert.strictEqual(row.bytes, fs.statSync(good).size);
    assert.strictEqual(row.lastVerified?.ok, true);
    assert.strictEqual(await volumeSha(named(2)), genuineSha);
  });

  it('item 5: truncated, damaged header, wrong key and tampered chunk are told apart', async function () {
    const files = await volumeFiles();
    const rows = await listed();
    const genuine = fs.readFileSync(hostCopy);
    const cases: Array<{ what: string; file: string; says: RegExp; not: RegExp }> = [];
    const write = (second: number, b: Buffer): string => {
      const f = path.join(outDir, named(second));
      fs.writeFileSync(f, b);
      return f;
    };
    const flip = (at: number): Buffer => {
      const b = Buffer.from(genuine);
      b[at] ^= 0x04;
      return b;
    };
    cases.push({ what: 'cut in half', file: write(10, genuine.subarray(0, Math.floor(genuine.length / 2))), says: /truncated/, not: /authentication|wrong backup key|damaged header/ });
    cases.push({ what: 'flipped byte near the start', file: write(11, flip(20)), says: /damaged header|header is damaged/, not: /wrong backup key|truncated/ });
    cases.push({ what: 'flipped byte in the middle', file: write(12, flip(Math.floor(genuine.length / 2))), says: /chunk \d+ .*authentication|authentication.*chunk \d+/, not: /truncated|wrong backup key|damaged header/ });
    const otherKey = path.join(outDir, named(13));
    await rewriteArchive(hostCopy, otherKey, backupKey, (_n, d) => d, undefined, 'a-key-this-stack-never-had-0123');
    cases.push({ what: 'another key', file: otherKey, says: /wrong backup key/, not: /damaged|truncated|authentication/ });
    for (const c of cases) {
      const r = await cli('backups', 'verify', c.file);
      assert.strictEqual(r.code, 12, `${c.what}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, c.says, c.what);
      assert.doesNotMatch(r.stderr, c.not, c.what);
    }
    await volumeUnchanged(files, rows, 'refused host files');
  });

  it('item 0: a forged plain archive is refused on a stack that encrypts; the import flag asks first; an altered MACed plain archive is refused even with it', async function () {
    const notesEntry = async (file: string, key: string | undefined): Promise<string> => {
      let name = '';
      await rewriteArchive(file, path.join(outDir, 'probe'), key, (n, d) => {
        if (n.startsWith('objects/') && d.equals(NOTES)) name = n;
        return d;
      }, undefined, undefined);
      assert.ok(name, 'the uploaded file is in the archive');
      return name;
    };
    /** The repro of the issue: one object's bytes, its manifest size and sha256, and its recorded ETag changed. */
    const forge = async (src: string, dst: string, key: string | undefined): Promise<void> => {
      const evil = Buffer.from(NOTES.toString('utf8').replace(/genuine/g, 'FORGED!'));
      assert.strictEqual(evil.length, NOTES.length);
      await forgeEntry(src, dst, key, '', await notesEntry(src, key), evil);
    };
    const files = await volumeFiles();
    const rows = await listed();

    // A plain archive forged from the genuine one (no key needed to write it).
    const forged = path.join(outDir, named(20, false));
    await forge(hostCopy, forged, backupKey);
    const r = await cli('restore', forged, '--force');
    assert.strictEqual(r.code, 12, r.stdout + r.stderr);
    assert.match(r.stderr, /not encrypted/);
    assert.match(r.stderr, /--allow-unencrypted/);
    assert.doesNotMatch(r.stderr, /maintenance on/);
    assert.deepStrictEqual(await served(), NOTES, 'the genuine bytes are still served');
    await volumeUnchanged(files, rows, 'refused forged plain archive');

    // A plain archive the stack writes itself (the job with encryption switched off for this
    // run) carries the keyed MAC: still refused without the flag, accepted with it.
    const plainRun = await inJob(['node', JOB_MAIN, '--json', 'backup'], { BACKUP_ENCRYPT: 'false' });
    assert.strictEqual(plainRun.code, 0, plainRun.out.join('\n'));
    const plain = (JSON.parse(plainRun.out[plainRun.out.length - 1]) as { data: { file: string } }).data.file;
    assert.match(plain, /\.tar\.gz$/, 'written plain');
    const noFlag = await cli('backups', 'verify', plain);
    assert.strictEqual(noFlag.code, 12, noFlag.stdout + noFlag.stderr);
    assert.match(noFlag.stderr, /not encrypted/);
    const asks = await cli('backups', 'verify', plain, '--allow-unencrypted');
    assert.strictEqual(asks.code, 11, 'the import flag asks first (no terminal here: refused)');
    const withFlag = await cli('--yes', 'backups', 'verify', plain, '--allow-unencrypted');
    assert.strictEqual(withFlag.code, 0, withFlag.stderr);

    // That MACed archive altered like the forgery above: refused even with the flag.
    const plainHost = await exec.copyOut(jobId, `${BACKUPS_DIR}/${plain}`, path.join(outDir, 'plain'));
    const filesNow = await volumeFiles();
    const rowsNow = await listed();
    const forgedMac = path.join(outDir, named(21, false));
    await forge(plainHost, forgedMac, undefined);
    const m = await cli('restore', forgedMac, '--allow-unencrypted', '--force');
    assert.strictEqual(m.code, 12, m.stdout + m.stderr);
    assert.match(m.stderr, /MAC/);
    assert.doesNotMatch(m.stderr, /maintenance on/);
    assert.deepStrictEqual(await served(), NOTES, 'the genuine bytes are still served');
    await volumeUnchanged(filesNow, rowsNow, 'refused altered MACed plain archive');
  });
});
