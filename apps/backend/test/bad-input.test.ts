import assert from 'node:assert/strict';
import { api, groupWith, needServices, register, startApp, type ApiResponse, type RunningApp, type TestUser } from './support/harness';

// Each case: a client mistake, and the 4xx it must produce with a clear JSON error.
interface Case {
  readonly name: string;
  readonly status: number;
  readonly run: () => Promise<ApiResponse>;
  readonly message?: RegExp;
}

describe('bad input: always a 4xx with {error, message}, never a 500 or a stack trace', () => {
  let app: RunningApp;
  let alice: TestUser;
  let conv: string;
  before(async function () {
    const s = needServices(this);
    app = await startApp(s);
    alice = await register(app.url);
    conv = await groupWith(app.url, alice, []);
  });
  after(() => app?.close());

  const raw = (method: string, path: string, body: string, headers: Record<string, string> = {}, token = true) =>
    api(app.url, method, path, { body, headers: { 'content-type': 'application/json', ...headers }, token: token ? alice.accessToken : undefined });
  const post = (path: string, json: unknown) => api(app.url, 'POST', path, { json, token: alice.accessToken });
  const msgs = () => `/api/conversations/${conv}/messages`;

  const cases: Case[] = [
    { name: 'malformed JSON', status: 400, message: /not valid JSON/, run: () => raw('POST', '/api/auth/login', '{"username": "a",') },
    { name: 'unknown field on register', status: 400, message: /additional properties/, run: () => post('/api/auth/register', { username: 'valid_name', password: 'password123', admin: true }) },
    { name: 'unknown field on message', status: 400, run: () => post(msgs(), { body: 'hi', pinned: true }) },
    { name: 'oversized JSON body', status: 413, run: () => raw('POST', msgs(), JSON.stringify({ body: 'x'.repeat(70 * 1024) })) },
    { name: 'message body too long', status: 400, message: /4000/, run: () => post(msgs(), { body: 'x'.repeat(4001) }) },
    { name: 'empty message body', status: 400, run: () => post(msgs(), { body: '' }) },
    { name: 'whitespace-only message body', status: 400, run: () => post(msgs(), { body: '   ' }) },
    { name: 'body of the wrong type', status: 400, message: /string/, run: () => post(msgs(), { body: 42 }) },
    { name: 'JSON array instead of object', status: 400, run: () => raw('POST', msgs(), '["hi"]') },
    { name: 'bad cursor', status: 400, message: /cursor/, run: () => api(app.url, 'GET', `${msgs()}?before=!!notacursor`, { token: alice.accessToken }) },
    { name: 'well-formed base64 that is not a cursor', status: 400, message: /cursor/, run: () => api(app.url, 'GET', `${msgs()}?before=${Buffer.from('hello').toString('base64url')}`, { token: alice.accessToken }) },
    { name: 'limit out of range', status: 400, message: /limit/, run: () => api(app.url, 'GET', `${msgs()}?limit=1000`, { token: alice.accessToken }) },
    { name: 'limit not a number', status: 400, message: /limit/, run: () => api(app.url, 'GET', `${msgs()}?limit=ten`, { token: alice.accessToken }) },
    { name: 'unknown query parameter', status: 400, run: () => api(app.url, 'GET', `${msgs()}?offset=10`, { token: alice.accessToken }) },
    { name: 'conversation id that is not a UUID', status: 400, message: /UUID/, run: () => api(app.url, 'GET', '/api/conversations/123/messages', { token: alice.accessToken }) },
    { name: 'file id that is not a UUID', status: 400, message: /UUID/, run: () => api(app.url, 'GET', "/api/files/'; DROP TABLE files;--", { token: alice.accessToken }) },
    { name: 'missing auth header', status: 401, message: /Authorization/, run: () => api(app.url, 'GET', '/api/me') },
    { name: 'malformed auth header', status: 401, message: /Bearer/, run: () => api(app.url, 'GET', '/api/me', { headers: { authorization: 'Token abc' } }) },
    { name: 'garbage bearer token', status: 401, run: () => api(app.url, 'GET', '/api/me', { token: 'not.a.jwt' }) },
    { name: 'username with forbidden characters', status: 400, message: /pattern/, run: () => post('/api/auth/register', { username: 'Bad Name!', password: 'password123' }) },
    { name: 'password too short', status: 400, run: () => post('/api/auth/register', { username: 'shortpw_user', password: 'short' }) },
    { name: 'missing required field', status: 400, message: /required/, run: () => post('/api/auth/login', { username: 'x' }) },
    { name: 'unsupported content type', status: 415, run: () => raw('POST', '/api/auth/login', 'username=x', { 'content-type': 'application/x-www-form-urlencoded' }) },
    { name: 'unknown conversation type', status: 400, run: () => post('/api/conversations', { type: 'channel', memberIds: [] }) },
    { name: 'memberIds with a non-UUID', status: 400, run: () => post('/api/conversations', { type: 'group', memberIds: ['bob'] }) },
    { name: 'memberIds with an unknown user', status: 400, message: /unknown user/, run: () => post('/api/conversations', { type: 'group', memberIds: ['00000000-0000-4000-8000-000000000000'] }) },
    { name: 'direct conversation without a partner', status: 400, run: () => post('/api/conversations', { type: 'direct', memberIds: [] }) },
    { name: 'attachmentId that is not a UUID', status: 400, run: () => post(msgs(), { body: 'x', attachmentId: 'nope' }) },
    { name: 'refresh token of the wrong shape', status: 401, run: () => post('/api/auth/refresh', { refreshToken: 'abc' }) },
    { name: 'unknown route', status: 404, run: () => api(app.url, 'GET', '/api/nope') },
  ];

  for (const c of cases) {
    it(`${c.name} -> ${c.status}`, async () => {
      const r = await c.run();
      assert.equal(r.status, c.status, r.text);
      assert.equal(typeof r.body?.error, 'string', `no error code in ${r.text}`);
      assert.equal(typeof r.body?.message, 'string', `no message in ${r.text}`);
      assert.ok(!/\bat .+:\d+:\d+/.test(r.text), `stack trace leaked: ${r.text}`);
      if (c.message) assert.match(r.body.message, c.message);
    });
  }

  it('still works after all that', async () => {
    assert.equal((await post(msgs(), { body: 'fine' })).status, 201);
  });
});
