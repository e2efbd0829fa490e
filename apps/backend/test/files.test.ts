import assert from 'node:assert/strict';
import { api, form, groupWith, needServices, register, startApp, type RunningApp, type TestUser } from './support/harness';

const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a5f5c0d80000000049454e44ae426082', 'hex');

describe('files: upload limits, types and membership-checked download', () => {
  let app: RunningApp;
  let alice: TestUser, bob: TestUser, eve: TestUser;
  let conv: string, other: string;
  before(async function () {
    const s = needServices(this);
    app = await startApp(s, { UPLOAD_MAX_MB: '1' });
    [alice, bob, eve] = await Promise.all([register(app.url), register(app.url), register(app.url)]);
    conv = await groupWith(app.url, alice, [bob]);
    other = await groupWith(app.url, eve, []);
  });
  after(() => app?.close());

  const upload = (token: string, c: string, body: FormData) => api(app.url, 'POST', `/api/conversations/${c}/files`, { token, body });

  it('stores an allowed image, attaches it to a message and streams it back to members only', async () => {
    const up = await upload(alice.accessToken, conv, form('dot.png', 'image/png', PNG));
    assert.equal(up.status, 201, up.text);
    assert.deepEqual(Object.keys(up.body).sort(), ['contentType', 'id', 'name', 'size']);
    assert.equal(up.body.size, PNG.length);
    assert.equal(up.body.name, 'dot.png');

    const msg = await api(app.url, 'POST', `/api/conversations/${conv}/messages`, { token: alice.accessToken, json: { body: 'look', attachmentId: up.body.id } });
    assert.equal(msg.status, 201, msg.text);
    assert.deepEqual(msg.body.attachment, up.body);

    const res = await fetch(`${app.url}/api/files/${up.body.id}`, { headers: { authorization: `Bearer ${bob.accessToken}` } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'image/png');
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), PNG);

    const viaQuery = await fetch(`${app.url}/api/files/${up.body.id}?token=${bob.accessToken}`);
    assert.equal(viaQuery.status, 200, 'the ?token= form for <img src> works');
    await viaQuery.arrayBuffer();

    assert.equal((await api(app.url, 'GET', `/api/files/${up.body.id}`, { token: eve.accessToken })).status, 403);
    assert.equal((await api(app.url, 'GET', `/api/files/${up.body.id}`)).status, 401);
    assert.equal((await api(app.url, 'GET', '/api/files/00000000-0000-4000-8000-000000000000', { token: bob.accessToken })).status, 404);
  });

  it('refuses a file over UPLOAD_MAX_MB with 413 and stores nothing', async () => {
    const big = Buffer.alloc(1024 * 1024 + 10, 0x61);
    const r = await upload(alice.accessToken, conv, form('big.txt', 'text/plain', big));
    assert.equal(r.status, 413, r.text);
    assert.match(r.body.message, /1 MB/);
  });

  it('refuses a just-too-big file even when the request is small enough to pass the header check', async () => {
    // 1 MB + 1 byte: under the Content-Length pre-check, so the streaming limit must catch it.
    const r = await upload(alice.accessToken, conv, form('edge.txt', 'text/plain', Buffer.alloc(1024 * 1024 + 1, 0x62)));
    assert.equal(r.status, 413, r.text);
    const ok = await upload(alice.accessToken, conv, form('exact.txt', 'text/plain', Buffer.alloc(1024 * 1024, 0x62)));
    assert.equal(ok.status, 201, ok.text);
    assert.equal(ok.body.size, 1024 * 1024);
  });

  it('refuses a content type outside the allowlist with 415', async () => {
    for (const type of ['text/html', 'application/x-msdownload', 'image/svg+xml']) {
      const r = await upload(alice.accessToken, conv, form('x', type, 'payload'));
      assert.equal(r.status, 415, `${type}: ${r.text}`);
      assert.match(r.body.message, /not allowed/);
    }
  });

  it('refuses a non-multipart upload (415), a wrong field name and an empty file (400)', async () => {
    const json = await api(app.url, 'POST', `/api/conversations/${conv}/files`, { token: alice.accessToken, json: { file: 'x' } });
    assert.equal(json.status, 415, json.text);
    const wrongField = await upload(alice.accessToken, conv, form('a.txt', 'text/plain', 'hi', 'upload'));
    assert.equal(wrongField.status, 400, wrongField.text);
    const empty = await upload(alice.accessToken, conv, form('a.txt', 'text/plain', ''));
    assert.equal(empty.status, 400, empty.text);
  });

  it('refuses attaching a file from another conversation', async () => {
    const up = await upload(eve.accessToken, other, form('n.txt', 'text/plain', 'note'));
    assert.equal(up.status, 201, up.text);
    const r = await api(app.url, 'POST', `/api/conversations/${conv}/messages`, { token: alice.accessToken, json: { body: 'x', attachmentId: up.body.id } });
    assert.equal(r.status, 400);
  });
});
