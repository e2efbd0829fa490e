import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createStaticServer, resolveSafePath } = require('../server/serve.js') as {
  createStaticServer(opts: { root: string }): http.Server;
  resolveSafePath(root: string, urlPath: string): string | null;
};

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** Raw request: the path is sent exactly as given, without client-side normalisation. */
function request(port: number, rawPath: string, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: rawPath, method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('static server', () => {
  let tmp: string;
  let server: http.Server;
  let port: number;

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'imstack-web-static-'));
    const dist = path.join(tmp, 'dist');
    fs.mkdirSync(path.join(dist, 'assets'), { recursive: true });
    fs.writeFileSync(path.join(dist, 'index.html'), '<!doctype html><div id="app"></div>');
    fs.writeFileSync(path.join(dist, 'assets', 'index-abc.js'), 'console.log(1)');
    fs.writeFileSync(path.join(dist, 'assets', 'index-abc.css'), 'body{}');
    fs.writeFileSync(path.join(tmp, 'secret.txt'), 'TOP SECRET');
    fs.symlinkSync(path.join(tmp, 'secret.txt'), path.join(dist, 'leak.txt'));
    server = createStaticServer({ root: dist });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });

  after(() => {
    server.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('serves index.html at / with no-cache', async () => {
    const r = await request(port, '/');
    assert.equal(r.status, 200);
    assert.match(String(r.headers['content-type']), /^text\/html/);
    assert.equal(r.headers['cache-control'], 'no-cache');
    assert.match(r.body, /id="app"/);
  });

  it('serves hashed assets with their content type and a long cache', async () => {
    const js = await request(port, '/assets/index-abc.js');
    assert.equal(js.status, 200);
    assert.match(String(js.headers['content-type']), /^text\/javascript/);
    assert.match(String(js.headers['cache-control']), /immutable/);
    assert.equal(js.headers['x-content-type-options'], 'nosniff');
    const css = await request(port, '/assets/index-abc.css?v=1');
    assert.match(String(css.headers['content-type']), /^text\/css/);
  });

  it('falls back to index.html for client routes but 404s missing files', async () => {
    const route = await request(port, '/conversations/42');
    assert.equal(route.status, 200);
    assert.match(route.body, /id="app"/);
    assert.equal((await request(port, '/missing.js')).status, 404);
    assert.equal((await request(port, '/assets/gone')).status, 404);
  });

  it('never serves files outside the root', async () => {
    for (const p of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt', '/..%5csecret.txt', '/leak.txt', '/%00']) {
      const r = await request(port, p);
      assert.ok(!r.body.includes('TOP SECRET'), `${p} leaked the file`);
      assert.ok([400, 404, 200].includes(r.status), `${p}: ${r.status}`);
    }
    assert.equal(resolveSafePath('/srv/dist', '/%E0%A4%A'), null, 'bad percent-encoding');
  });

  it('answers HEAD without a body and refuses other methods', async () => {
    const head = await request(port, '/', 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.body, '');
    assert.ok(Number(head.headers['content-length']) > 0);
    const post = await request(port, '/', 'POST');
    assert.equal(post.status, 405);
    assert.equal(post.headers.allow, 'GET, HEAD');
  });
});
