import assert from 'node:assert/strict';
import { ApiClient, ApiError, type FetchFn } from '../src/api';
import type { TokenStore, Tokens } from '../src/session';
import { fakeJwt } from './jwt';

interface Call {
  url: string;
  method: string;
  auth: string | null;
  body: unknown;
}

function memoryStore(initial: Tokens | null): TokenStore {
  let t = initial;
  return { get: () => t, set: (v) => void (t = v) };
}

const json = (status: number, body: unknown): Response => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

/** A fake backend: access token "valid-N" is accepted when N equals the current generation. */
function fakeBackend(opts: { refreshStatus?: number; refreshThrows?: boolean } = {}) {
  const calls: Call[] = [];
  let generation = 1;
  const fetchFn: FetchFn = async (url, init = {}) => {
    const headers = (init.headers ?? {}) as Record<string, string>;
    const body = typeof init.body === 'string' ? JSON.parse(init.body) : init.body;
    calls.push({ url, method: init.method ?? 'GET', auth: headers.Authorization ?? null, body });
    if (url === '/api/auth/refresh') {
      if (opts.refreshThrows) throw new TypeError('fetch failed');
      if (opts.refreshStatus) return json(opts.refreshStatus, { error: 'invalid_refresh_token', message: 'refresh token revoked' });
      generation++;
      await new Promise((r) => setTimeout(r, 5));
      return json(200, { accessToken: `valid-${generation}`, refreshToken: `refresh-${generation}` });
    }
    if (url === '/api/auth/login') {
      if ((body as { password: string }).password !== 'correct horse') return json(401, { error: 'invalid_credentials', message: 'wrong username or password' });
      return json(200, { user: { id: 'u1', username: 'ann', displayName: 'Ann', role: 'user' }, accessToken: 'valid-1', refreshToken: 'refresh-1' });
    }
    if (headers.Authorization !== `Bearer valid-${generation}`) return json(401, { error: 'unauthorized', message: 'token expired' });
    if (url === '/api/me') return json(200, { id: 'u1', username: 'ann', displayName: 'Ann', role: 'user' });
    if (url === '/api/broken') return new Response('<html>502</html>', { status: 502, statusText: 'Bad Gateway' });
    if (url === '/api/auth/logout') return new Response(null, { status: 204 });
    if (url === '/api/files/f%2F1' && init.method === 'DELETE') return new Response(null, { status: 204 });
    if (url === '/api/files/theirs' && init.method === 'DELETE') return json(403, { error: 'forbidden', message: 'only the uploader or an admin may delete this file' });
    return json(404, { error: 'not_found', message: 'no such route' });
  };
  return {
    calls,
    fetchFn,
    expireAccessToken: () => generation++,
  };
}

describe('ApiClient', () => {
  it('logs in, stores the token pair and sends the bearer token afterwards', async () => {
    const be = fakeBackend();
    const store = memoryStore(null);
    const api = new ApiClient({ store, fetch: be.fetchFn });
    const user = await api.login('ann', 'correct horse');
    assert.equal(user.username, 'ann');
    assert.deepEqual(store.get(), { accessToken: 'valid-1', refreshToken: 'refresh-1' });
    await api.me();
    assert.equal(be.calls.at(-1)?.auth, 'Bearer valid-1');
  });

  it('reports bad credentials without trying to refresh', async () => {
    const be = fakeBackend();
    const api = new ApiClient({ store: memoryStore(null), fetch: be.fetchFn });
    await assert.rejects(api.login('ann', 'nope'), (e: unknown) => e instanceof ApiError && e.status === 401 && e.message === 'wrong username or password');
    assert.equal(be.calls.filter((c) => c.url === '/api/auth/refresh').length, 0);
  });

  it('refreshes on 401, stores the rotated pair and retries the request once', async () => {
    const be = fakeBackend();
    const store = memoryStore({ accessToken: 'valid-1', refreshToken: 'refresh-1' });
    const api = new ApiClient({ store, fetch: be.fetchFn });
    be.expireAccessToken();
    const me = await api.me();
    assert.equal(me.id, 'u1');
    assert.deepEqual(store.get(), { accessToken: 'valid-3', refreshToken: 'refresh-3' });
    const refresh = be.calls.find((c) => c.url === '/api/auth/refresh');
    assert.deepEqual(refresh?.body, { refreshToken: 'refresh-1' });
    assert.deepEqual(be.calls.map((c) => c.url), ['/api/me', '/api/auth/refresh', '/api/me']);
  });

  it('shares one refresh between concurrent requests (a rotated refresh token is single-use)', async () => {
    const be = fakeBackend();
    const api = new ApiClient({ store: memoryStore({ accessToken: 'stale', refreshToken: 'refresh-1' }), fetch: be.fetchFn });
    const results = await Promise.all([api.me(), api.me(), api.me()]);
    assert.equal(results.length, 3);
    assert.equal(be.calls.filter((c) => c.url === '/api/auth/refresh').length, 1);
  });

  it('ends the session once when the refresh token is rejected', async () => {
    const be = fakeBackend({ refreshStatus: 401 });
    const store = memoryStore({ accessToken: 'stale', refreshToken: 'revoked' });
    let ended = 0;
    const api = new ApiClient({ store, fetch: be.fetchFn, onSessionEnded: () => ended++ });
    await assert.rejects(Promise.all([api.me(), api.me()]), (e: unknown) => e instanceof ApiError && e.status === 401);
    assert.equal(store.get(), null);
    assert.equal(ended, 1);
  });

  it('keeps the tokens when the refresh fails for network reasons', async () => {
    const be = fakeBackend({ refreshThrows: true });
    const store = memoryStore({ accessToken: 'stale', refreshToken: 'refresh-1' });
    let ended = 0;
    const api = new ApiClient({ store, fetch: be.fetchFn, onSessionEnded: () => ended++ });
    await assert.rejects(api.me(), ApiError);
    assert.deepEqual(store.get(), { accessToken: 'stale', refreshToken: 'refresh-1' });
    assert.equal(ended, 0);
  });

  it('turns error bodies into ApiError, also when the body is not JSON', async () => {
    const be = fakeBackend();
    const api = new ApiClient({ store: memoryStore({ accessToken: 'valid-1', refreshToken: 'r' }), fetch: be.fetchFn });
    await assert.rejects(api.request('GET', '/api/nope'), (e: unknown) => e instanceof ApiError && e.status === 404 && e.code === 'not_found');
    await assert.rejects(api.request('GET', '/api/broken'), (e: unknown) => e instanceof ApiError && e.status === 502 && e.message === 'Bad Gateway');
  });

  it('refreshes ahead of time when the access token is about to expire (for the websocket URL)', async () => {
    const now = Date.now();
    const be = fakeBackend();
    const soon = memoryStore({ accessToken: fakeJwt(Math.floor(now / 1000) + 5), refreshToken: 'refresh-1' });
    assert.equal(await new ApiClient({ store: soon, fetch: be.fetchFn, now: () => now }).freshAccessToken(), 'valid-2');
    const later = fakeJwt(Math.floor(now / 1000) + 600);
    const fresh = memoryStore({ accessToken: later, refreshToken: 'refresh-1' });
    assert.equal(await new ApiClient({ store: fresh, fetch: be.fetchFn, now: () => now }).freshAccessToken(), later);
    assert.equal(be.calls.filter((c) => c.url === '/api/auth/refresh').length, 1);
  });

  it('logs out on the server with the refresh token and forgets the tokens', async () => {
    const be = fakeBackend();
    const store = memoryStore({ accessToken: 'valid-1', refreshToken: 'refresh-1' });
    await new ApiClient({ store, fetch: be.fetchFn }).logout();
    const call = be.calls.find((c) => c.url === '/api/auth/logout');
    assert.deepEqual(call?.body, { refreshToken: 'refresh-1' });
    assert.equal(call?.auth, 'Bearer valid-1');
    assert.equal(store.get(), null);
  });

  it('deletes a file with DELETE /api/files/:id and the bearer token, and reports a refusal', async () => {
    const be = fakeBackend();
    const api = new ApiClient({ store: memoryStore({ accessToken: 'valid-1', refreshToken: 'r' }), fetch: be.fetchFn });
    assert.equal(await api.deleteFile('f/1'), undefined);
    assert.deepEqual(be.calls.at(-1), { url: '/api/files/f%2F1', method: 'DELETE', auth: 'Bearer valid-1', body: undefined });
    await assert.rejects(api.deleteFile('theirs'), (e: unknown) => e instanceof ApiError && e.status === 403 && e.code === 'forbidden');
  });

  it('builds file URLs with the access token for <img src>', () => {
    const api = new ApiClient({ store: memoryStore({ accessToken: 'a b', refreshToken: 'r' }), fetch: fakeBackend().fetchFn });
    assert.equal(api.fileUrl('42'), '/api/files/42?token=a%20b');
  });
});
