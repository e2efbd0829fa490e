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

function nextMessage(ws: WebSocket, timeoutMs = 3000): Promise<any> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('no websocket message in time')), timeoutMs);
    ws.once('message', (data) => {
      clearTimeout(t);
      resolve(JSON.parse(data.toString()));
    });
  });
}

describe('websocket: live delivery across replicas', () => {
  let a: RunningApp, b: RunningApp;
  let alice: TestUser, bob: TestUser, eve: TestUser;
  const sockets: WebSocket[] = [];
  before(async function () {
    const s = needServices(this);
    [a, b] = await Promise.all([startApp(s), startApp(s)]);
    [alice, bob, eve] = await Promise.all([register(a.url), register(a.url), register(a.url)]);
  });
  after(async () => {
    for (const ws of sockets) ws.terminate();
    await Promise.all([a?.close(), b?.close()]);
  });

  it('answers ping with pong', async () => {
    const ws = await connect(a.url, alice.accessToken);
    sockets.push(ws);
    ws.send(JSON.stringify({ type: 'ping' }));
    assert.deepEqual(await nextMessage(ws), { type: 'pong' });
    ws.send('not json');
    assert.equal((await nextMessage(ws)).type, 'error');
  });

  it('delivers a message posted on replica A to a member connected to replica B, and not to outsiders', async () => {
    const conv = await groupWith(a.url, alice, [bob]);
    const bobWs = await connect(b.url, bob.accessToken);
    const eveWs = await connect(b.url, eve.accessToken);
    sockets.push(bobWs, eveWs);
    // A ping round trip proves both sockets are registered before the post.
    for (const ws of [bobWs, eveWs]) {
      ws.send(JSON.stringify({ type: 'ping' }));
      await nextMessage(ws);
    }
    let eveGot: unknown = null;
    eveWs.on('message', (d) => (eveGot = d.toString()));
    const incoming = nextMessage(bobWs);
    const posted = await api(a.url, 'POST', `/api/conversations/${conv}/messages`, { token: alice.accessToken, json: { body: 'across replicas' } });
    assert.equal(posted.status, 201);
    const event = await incoming;
    assert.equal(event.type, 'message');
    assert.deepEqual(event.message, posted.body);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(eveGot, null, 'a non-member must not receive the message');
  });

  it('refuses the upgrade without a valid token', async () => {
    await assert.rejects(connect(a.url, 'bogus'), /401/);
    const out = await register(a.url);
    await api(a.url, 'POST', '/api/auth/logout', { token: out.accessToken });
    await assert.rejects(connect(a.url, out.accessToken), /401/);
  });
});
