// PostgreSQL cannot store U+0000 in text, so a NUL in any text the API accepts must be a 400
// naming the field, not a database error turned 500 (issue 15, 4b).
import assert from 'node:assert/strict';
import { api, groupWith, needServices, register, startApp, uniqueName, type ApiResponse, type RunningApp, type TestUser } from './support/harness';

const NUL = '\u0000';

describe('text fields: a NUL character (U+0000) is a 400 naming the field', () => {
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

  const post = (path: string, json: unknown, token?: string) => api(app.url, 'POST', path, { json, token });
  const cases: Array<{ field: string; run: () => Promise<ApiResponse> }> = [
    { field: 'body.body', run: () => post(`/api/conversations/${conv}/messages`, { body: `hello${NUL}world` }, alice.accessToken) },
    { field: 'body.displayName', run: () => post('/api/auth/register', { username: uniqueName('nul'), password: 'password-123', displayName: `Eve${NUL}` }) },
    { field: 'body.title', run: () => post('/api/conversations', { type: 'group', title: `t${NUL}`, memberIds: [] }, alice.accessToken) },
    { field: 'body.username', run: () => post('/api/auth/login', { username: `ali${NUL}ce`, password: 'password-123' }) },
    { field: 'body.password', run: () => post('/api/auth/login', { username: alice.username, password: `pass${NUL}word-1` }) },
    { field: 'body.username', run: () => post('/api/auth/register', { username: `ab${NUL}c`, password: 'password-123' }) },
    { field: 'body.refreshToken', run: () => post('/api/auth/refresh', { refreshToken: `x${NUL}` }) },
    { field: 'body.memberIds[0]', run: () => post('/api/conversations', { type: 'group', memberIds: [`${NUL}`] }, alice.accessToken) },
    { field: 'querystring.q', run: () => api(app.url, 'GET', `/api/users?q=a%00b`, { token: alice.accessToken }) },
    { field: 'querystring.before', run: () => api(app.url, 'GET', `/api/conversations/${conv}/messages?before=%00`, { token: alice.accessToken }) },
    { field: 'params.id', run: () => api(app.url, 'GET', `/api/conversations/%00`, { token: alice.accessToken }) },
  ];

  for (const c of cases) {
    it(`${c.field} with a NUL -> 400`, async () => {
      const r = await c.run();
      assert.equal(r.status, 400, r.text);
      assert.equal(r.body.error, 'invalid_text');
      assert.equal(r.body.message, `${c.field} contains a NUL character (U+0000), which text fields cannot hold`);
    });
  }

  it('a NUL in a JSON key is refused too, and the escaped text "\\u0000" written out is fine', async () => {
    const key = await post(`/api/conversations/${conv}/messages`, { body: 'x', [`a${NUL}`]: 1 }, alice.accessToken);
    assert.equal(key.status, 400, key.text);
    assert.equal(key.body.error, 'invalid_text');
    const literal = await post(`/api/conversations/${conv}/messages`, { body: 'the six characters \\u0000' }, alice.accessToken);
    assert.equal(literal.status, 201, literal.text);
    assert.equal(literal.body.body, 'the six characters \\u0000');
  });
});
