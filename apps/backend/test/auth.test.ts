import assert from 'node:assert/strict';
import jwt from 'jsonwebtoken';
import { admin, api, JWT_SECRET, needServices, register, startApp, uniqueName, type RunningApp } from './support/harness';
import type { SharedServices } from './support/shared';

describe('auth: register, login, refresh, revocation, logout', () => {
  let s: SharedServices;
  let app: RunningApp;
  before(async function () {
    s = needServices(this);
    app = await startApp(s);
  });
  after(() => app?.close());

  it('registers with role user, logs in, and reports /api/me', async () => {
    const username = uniqueName('alice');
    const reg = await api(app.url, 'POST', '/api/auth/register', { json: { username, password: 'password-123', displayName: 'Alice A' } });
    assert.equal(reg.status, 201, reg.text);
    assert.deepEqual(Object.keys(reg.body).sort(), ['accessToken', 'refreshToken', 'user']);
    assert.equal(reg.body.user.role, 'user');
    assert.equal(reg.body.user.displayName, 'Alice A');
    assert.equal(reg.body.user.password_hash, undefined);
    const login = await api(app.url, 'POST', '/api/auth/login', { json: { username, password: 'password-123' } });
    assert.equal(login.status, 200, login.text);
    const me = await api(app.url, 'GET', '/api/me', { token: login.body.accessToken });
    assert.equal(me.status, 200);
    assert.deepEqual(me.body, { id: reg.body.user.id, username, displayName: 'Alice A', role: 'user' });
  });

  it('reports role admin once an operator granted it, and role user to everyone else', async () => {
    const r = await admin(app.url, s.databaseUrl);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.user.role, 'admin');
    const plain = await register(app.url, uniqueName('root-admin'));
    assert.equal((await api(app.url, 'GET', '/api/me', { token: plain.accessToken })).body.role, 'user');
  });

  it('refuses a wrong password or unknown user with the same 401', async () => {
    const u = await register(app.url);
    const wrong = await api(app.url, 'POST', '/api/auth/login', { json: { username: u.username, password: 'not-the-password' } });
    const unknown = await api(app.url, 'POST', '/api/auth/login', { json: { username: uniqueName('ghost'), password: 'whatever-123' } });
    assert.equal(wrong.status, 401);
    assert.equal(unknown.status, 401);
    assert.equal(wrong.body.message, unknown.body.message);
  });

  it('refuses a duplicate username with 409', async () => {
    const u = await register(app.url);
    const r = await api(app.url, 'POST', '/api/auth/register', { json: { username: u.username, password: 'another-pass' } });
    assert.equal(r.status, 409);
    assert.equal(r.body.error, 'conflict');
  });

  it('rotates refresh tokens; reusing a rotated one is 401 and revokes the session', async () => {
    const u = await register(app.url);
    const first = await api(app.url, 'POST', '/api/auth/refresh', { json: { refreshToken: u.refreshToken } });
    assert.equal(first.status, 200, first.text);
    assert.notEqual(first.body.refreshToken, u.refreshToken);
    assert.equal((await api(app.url, 'GET', '/api/me', { token: first.body.accessToken })).status, 200);

    const reuse = await api(app.url, 'POST', '/api/auth/refresh', { json: { refreshToken: u.refreshToken } });
    assert.equal(reuse.status, 401);
    // Reuse means the token leaked: the whole session is gone, including the newest tokens.
    assert.equal((await api(app.url, 'POST', '/api/auth/refresh', { json: { refreshToken: first.body.refreshToken } })).status, 401);
    assert.equal((await api(app.url, 'GET', '/api/me', { token: first.body.accessToken })).status, 401);
  });

  it('lets exactly one of two concurrent refreshes with the same token win', async () => {
    const u = await register(app.url);
    const results = await Promise.all([1, 2].map(() => api(app.url, 'POST', '/api/auth/refresh', { json: { refreshToken: u.refreshToken } })));
    assert.deepEqual(results.map((r) => r.status).sort(), [200, 401]);
  });

  it('logout revokes the access token and the refresh token', async () => {
    const u = await register(app.url);
    const out = await api(app.url, 'POST', '/api/auth/logout', { token: u.accessToken, json: { refreshToken: u.refreshToken } });
    assert.equal(out.status, 204, out.text);
    const me = await api(app.url, 'GET', '/api/me', { token: u.accessToken });
    assert.equal(me.status, 401);
    assert.match(me.body.message, /revoked/);
    assert.equal((await api(app.url, 'POST', '/api/auth/refresh', { json: { refreshToken: u.refreshToken } })).status, 401);
  });

  it('logout works without a body', async () => {
    const u = await register(app.url);
    assert.equal((await api(app.url, 'POST', '/api/auth/logout', { token: u.accessToken })).status, 204);
    assert.equal((await api(app.url, 'GET', '/api/me', { token: u.accessToken })).status, 401);
  });

  it('keeps tokens signed with JWT_SECRET_PREVIOUS valid after a rotation, and rejects unknown keys', async () => {
    const u = await register(app.url);
    const rotated = await startApp(s, { JWT_SECRET: 'brand-new-jwt-secret-abcdef012345', JWT_SECRET_PREVIOUS: JWT_SECRET });
    try {
      assert.equal((await api(rotated.url, 'GET', '/api/me', { token: u.accessToken })).status, 200);
      const forged = jwt.sign({ sid: 'x', role: 'admin', username: 'x' }, 'some-other-secret-0123456789', { subject: u.id, issuer: 'imstack' });
      assert.equal((await api(rotated.url, 'GET', '/api/me', { token: forged })).status, 401);
    } finally {
      await rotated.close();
    }
    const withoutPrevious = await startApp(s, { JWT_SECRET: 'brand-new-jwt-secret-abcdef012345' });
    try {
      assert.equal((await api(withoutPrevious.url, 'GET', '/api/me', { token: u.accessToken })).status, 401);
    } finally {
      await withoutPrevious.close();
    }
  });

  it('rejects an expired access token', async () => {
    const u = await register(app.url);
    const claims = jwt.decode(u.accessToken) as Record<string, unknown>;
    const expired = jwt.sign({ sid: claims.sid, role: 'user', username: u.username, exp: Math.floor(Date.now() / 1000) - 10 }, JWT_SECRET, { subject: u.id, issuer: 'imstack' });
    const r = await api(app.url, 'GET', '/api/me', { token: expired });
    assert.equal(r.status, 401);
    assert.match(r.body.message, /expired/);
  });
});
