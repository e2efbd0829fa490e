import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { loadConfig } from '../src/config';
import { createServer } from '../src/server';
import { api, baseEnv, groupWith, needServices, register, startApp } from './support/harness';
import type { SharedServices } from './support/shared';

// The child runs plain JS (the module transpiled once), so each kill cycle costs ~50 ms, not a ts-node start.
function writerScript(dir: string, mode: 'atomic' | 'naive'): string {
  const src = readFileSync(path.join(__dirname, '..', 'src', 'store', 'atomic-file.ts'), 'utf8');
  writeFileSync(path.join(dir, 'atomic-file.js'), ts.transpileModule(src, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true } }).outputText);
  const script = path.join(dir, `writer-${mode}.js`);
  writeFileSync(
    script,
    `const { writeFileAtomic } = require('./atomic-file.js');
const fs = require('fs');
const target = process.argv[2];
const filler = 'x'.repeat(1024 * 1024);
(async () => {
  for (let n = 1; ; n++) {
    const doc = JSON.stringify({ n, filler, end: 'complete' });
    if (${mode === 'atomic'}) await writeFileAtomic(target, doc);
    else {
      // A plain in-place write, in 16 KiB pieces as a large write reaches the disk: the file
      // is truncated and partial for most of each cycle, so a kill almost always lands there.
      const fd = fs.openSync(target, 'w');
      for (let o = 0; o < doc.length; o += 16384) fs.writeSync(fd, doc.slice(o, o + 16384));
      fs.closeSync(fd);
    }
    if (n === 2) process.stdout.write('ready\\n');
  }
})();`,
  );
  return script;
}

async function killMidWrite(script: string, target: string): Promise<'ok' | 'corrupt'> {
  const child = spawn(process.execPath, [script, target], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`writer exited early with ${code}`)));
  });
  await new Promise((r) => setTimeout(r, Math.random() * 25));
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
  try {
    const doc = JSON.parse(readFileSync(target, 'utf8'));
    return doc.end === 'complete' ? 'ok' : 'corrupt';
  } catch {
    return 'corrupt';
  }
}

describe('file driver (STORAGE_DRIVER=file)', () => {
  let s: SharedServices;
  let dir: string;
  before(function () {
    s = needServices(this);
    dir = mkdtempSync(path.join(os.tmpdir(), 'imstack-backend-file-'));
  });
  after(() => dir && rmSync(dir, { recursive: true, force: true }));

  it('never leaves a corrupt file when the writer is killed mid-write (15 kills)', async function () {
    this.timeout(30000);
    const target = path.join(dir, 'kill-test.json');
    const script = writerScript(dir, 'atomic');
    for (let i = 0; i < 15; i++) assert.equal(await killMidWrite(script, target), 'ok', `corrupt after kill #${i + 1}`);
    // The dead writers' temp files are the only debris, and start-up removes them.
    const { removeStaleTempFiles } = await import('../src/store/atomic-file');
    await removeStaleTempFiles(target);
    assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('.kill-test')), []);
  });

  it('(control) the same kill loop does corrupt a plain non-atomic write', async function () {
    this.timeout(30000);
    const target = path.join(dir, 'naive.json');
    const script = writerScript(dir, 'naive');
    let corrupt = 0;
    for (let i = 0; i < 30 && corrupt === 0; i++) if ((await killMidWrite(script, target)) === 'corrupt') corrupt++;
    assert.ok(corrupt > 0, 'the kill loop never caught a write in progress, so the atomic test above would prove nothing');
  });

  it('keeps messages in data/messages.json across restarts', async () => {
    const dataDir = path.join(dir, 'data');
    const env = { STORAGE_DRIVER: 'file', DATA_DIR: dataDir };
    let app = await startApp(s, env);
    const alice = await register(app.url);
    const conv = await groupWith(app.url, alice, []);
    const posted = await Promise.all(
      Array.from({ length: 12 }, (_, i) => api(app.url, 'POST', `/api/conversations/${conv}/messages`, { token: alice.accessToken, json: { body: `file ${i}` } })),
    );
    assert.ok(posted.every((p) => p.status === 201));
    await app.close();
    const onDisk = JSON.parse(readFileSync(path.join(dataDir, 'messages.json'), 'utf8'));
    assert.equal(onDisk.messages.filter((m: { conversationId: string }) => m.conversationId === conv).length, 12);

    app = await startApp(s, env);
    try {
      const p1 = await api(app.url, 'GET', `/api/conversations/${conv}/messages?limit=5`, { token: alice.accessToken });
      assert.equal(p1.status, 200, p1.text);
      assert.equal(p1.body.messages.length, 5);
      const p2 = await api(app.url, 'GET', `/api/conversations/${conv}/messages?limit=10&before=${p1.body.nextCursor}`, { token: alice.accessToken });
      assert.equal(p2.body.messages.length, 7);
      assert.equal(p2.body.nextCursor, null);
      const all = [...p1.body.messages, ...p2.body.messages].map((m: { id: string }) => BigInt(m.id));
      for (let i = 1; i < all.length; i++) assert.ok(all[i] < all[i - 1]);
      const next = await api(app.url, 'POST', `/api/conversations/${conv}/messages`, { token: alice.accessToken, json: { body: 'after restart' } });
      assert.ok(BigInt(next.body.id) > all[0], 'ids keep increasing after a restart');
    } finally {
      await app.close();
    }
  });

  it('refuses to start on a file that is not a message file, with a clear error', async () => {
    const bad = path.join(dir, 'bad');
    rmSync(bad, { recursive: true, force: true });
    await import('node:fs').then((fs) => fs.mkdirSync(bad));
    writeFileSync(path.join(bad, 'messages.json'), '{"truncated": ');
    const config = loadConfig(baseEnv(s, { STORAGE_DRIVER: 'file', DATA_DIR: bad }));
    await assert.rejects(createServer(config, { logger: false, startupTimeoutMs: 3000 }), /messages\.json is not valid JSON/);
  });
});
