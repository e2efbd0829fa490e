// Revoking a session closes its websockets on every replica: after logout, or after a
// refresh-token reuse revokes the session, an open socket must stop receiving messages
// (issue 15, item 4). Other sessions of the same user keep theirs.
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { api, groupWith, needServices, register, startApp, type RunningApp, type TestUser } from './support/harness';

function connect(base: string, token: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/ws?token=${encodeURIComponent(token)}`);
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused with ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

/** Resolves with the close code and reason, or rejects when the socket stays open for `ms`. */
function closed(ws: WebSocket, ms = 5000): Promise<{ code: number; reason: string }> {
  return new Promise((resolve, reject) => {
    if (ws.readyState === ws.CLOSED) return reject(new Error('socket was already closed before the revocation'));
    const t = setTimeout(() => reject(new Error(`socket still open ${ms} ms after the revocation`)), ms);
    ws.once('close', (code, reason) => {
      clearTimeout(t);
      resolve({ code, reason: reason.toString() });
    });
  });
}

/** A ping round trip: proves the socket is registered and still served. */
async function alive(ws: WebSocket): Promise<void> {
  const pong = new Promise<unknown>((resolve) => ws.once('message', (d) => resolve(JSON.parse(d.toString()))));
  ws.send(JSON.stringify({ type: 'ping' }));
  assert.deepEqual(await pong, { type: 'pong' });
}

async function login(base: string, u: TestUser): Promise<TestUser> {
  const r = await api(base, 'POST', '/api/auth/login', { json: { username: u.username, password: 'correct horse battery' } });
  assert.equal(r.status, 200, r.text);
  return { ...u, accessToken: r.body.accessToken, refreshToken: r.body.refreshToken };
}

describe('websocket revocation: revoking a session closes its sockets on every replica', () => {
  let a: RunningApp, b: RunningApp;
  const sockets: WebSocket[] = [];
  before(async function () {
    const s = needServices(this);
    [a, b] = await Promise.all([startApp(s), startApp(s)]);
  });
  after(async () => {
    for (const ws of sockets) ws.terminate();
    await Promise.all([a?.close(), b?.close()]);
  });

  const open = async (base: string, token: string) => {
    const ws = await connect(base, token);
    sockets.push(ws);
    await alive(ws);
    return ws;
  };

  it('logout closes the session\'s sockets on both replicas with 4401, and spares the user\'s other session', async () => {
    const bob = await register(a.url);
    const bobPhone = await login(a.url, bob);
    const alice = await register(a.url);
    const conv = await groupWith(a.url, alice, [bob]);
    const onA = await open(a.url, bob.accessToken);
    const onB = await open(b.url, bob.accessToken);
    const phone = await open(b.url, bobPhone.accessToken);
    let afterLogout = 0;
    for (const ws of [onA, onB]) ws.on('message', () => afterLogout++);

    const closes = [closed(onA), closed(onB)];
    assert.equal((await api(a.url, 'POST', '/api/auth/logout', { token: bob.accessToken })).status, 204);
    for (const c of await Promise.all(closes)) assert.deepEqual(c, { code: 4401, reason: 'session revoked' });

    const delivered = new Promise<any>((resolve) => phone.once('message', (d) => resolve(JSON.parse(d.toString()))));
    const posted = await api(a.url, 'POST', `/api/conversations/${conv}/messages`, { token: alice.accessToken, json: { body: 'after logout' } });
    assert.equal(posted.status, 201);
    assert.equal((await delivered).message.body, 'after logout', 'the other session still gets messages');
    assert.equal(afterLogout, 0, 'a revoked socket received a message');
  });

  it('a refresh-token reuse closes the revoked session\'s sockets', async () => {
    const carol = await register(a.url);
    const ws = await open(b.url, carol.accessToken);
    const rotated = await api(a.url, 'POST', '/api/auth/refresh', { json: { refreshToken: carol.refreshToken } });
    assert.equal(rotated.status, 200);
    await alive(ws);
    const closing = closed(ws);
    const reuse = await api(a.url, 'POST', '/api/auth/refresh', { json: { refreshToken: carol.refreshToken } });
    assert.equal(reuse.status, 401);
    assert.deepEqual(await closing, { code: 4401, reason: 'session revoked' });
  });

  it('a socket whose session is revoked while it connects is closed as well', async () => {
    const dave = await register(a.url);
    // Revoke on replica A while the upgrade on B is in flight; whichever wins, the socket must not stay open.
    const [ws] = await Promise.all([connect(b.url, dave.accessToken).catch((e: Error) => e), api(a.url, 'POST', '/api/auth/logout', { token: dave.accessToken })]);
    if (ws instanceof Error) return assert.match(ws.message, /401/);
    sockets.push(ws);
    if (ws.readyState !== ws.CLOSED) assert.equal((await closed(ws)).code, 4401);
  });
});
