// Conditional requests to the static server: the index and hashed assets revalidate with 304
// (ETag and Last-Modified), and a changed file is served again.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createStaticServer } = require('../server/serve.js') as { createStaticServer(opts: { root: string }): http.Server };

interface Reply { status: number; headers: http.IncomingHttpHeaders; rawHeaders: string[]; body: string }

function get(port: number, p: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: p, method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, rawHeaders: res.rawHeaders, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('static server revalidation', () => {
  let tmp: string;
  let dist: string;
  let server: http.Server;
  let port: number;

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'imstack-web-304-'));
    dist = path.join(tmp, 'dist');
    fs.mkdirSync(path.join(dist, 'assets'), { recursive: true });
    fs.writeFileSync(path.join(dist, 'index.html'), '<!doctype html><div id="app"></div>');
    fs.writeFileSync(path.join(dist, 'assets', 'index-abc.js'), 'console.log(1)');
    server = createStaticServer({ root: dist });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });

  after(() => {
    server.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  for (const p of ['/', '/assets/index-abc.js', '/conversations/42']) {
    it(`answers 304 for ${p} to a matching If-None-Match or If-Modified-Since, with one Cache-Control`, async () => {
      const first = await get(port, p);
      assert.equal(first.status, 200);
      const etag = String(first.headers.etag);
      assert.match(etag, /^W\/"[0-9a-f]+-[0-9a-f]+"$/);
      const byTag = await get(port, p, { 'if-none-match': etag });
      assert.equal(byTag.status, 304);
      assert.equal(byTag.body, '');
      assert.equal(byTag.headers.etag, etag);
      assert.equal(byTag.rawHeaders.filter((h) => h.toLowerCase() === 'cache-control').length, 1);
      // A compressing proxy hands the client the weak form of a tag; it must still match.
      assert.equal((await get(port, p, { 'if-none-match': `"other", ${etag.replace(/^W\//, '')}` })).status, 304);
      assert.equal((await get(port, p, { 'if-modified-since': String(first.headers['last-modified']) })).status, 304);
      assert.equal((await get(port, p, { 'if-none-match': etag }, 'HEAD')).status, 304);
    });
  }

  it('serves the file again when it changed or the validators do not match', async () => {
    const first = await get(port, '/');
    assert.equal((await get(port, '/', { 'if-none-match': '"nope"' })).status, 200);
    assert.equal((await get(port, '/', { 'if-modified-since': new Date(0).toUTCString() })).status, 200);
    // If-None-Match wins over If-Modified-Since.
    assert.equal((await get(port, '/', { 'if-none-match': '"nope"', 'if-modified-since': String(first.headers['last-modified']) })).status, 200);
    const later = new Date(Date.now() + 5000);
    fs.writeFileSync(path.join(dist, 'index.html'), '<!doctype html><div id="app" data-v="2"></div>');
    fs.utimesSync(path.join(dist, 'index.html'), later, later);
    const changed = await get(port, '/', { 'if-none-match': String(first.headers.etag) });
    assert.equal(changed.status, 200);
    assert.match(changed.body, /data-v="2"/);
    assert.notEqual(changed.headers.etag, first.headers.etag);
  });
});
