import assert from 'node:assert/strict';
import { api, needServices, register, startApp, type RunningApp } from './support/harness';

describe('health and basic flow', () => {
  let app: RunningApp;
  before(async function () {
    const s = needServices(this);
    app = await startApp(s);
  });
  after(() => app?.close());

  it('GET /health is 200 with every check ok', async () => {
    const r = await api(app.url, 'GET', '/health');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body, { status: 'ok', checks: { postgres: 'ok', redis: 'ok', s3: 'ok' } });
  });

  it('registers, opens a conversation, posts and reads a message', async () => {
    const a = await register(app.url);
    const b = await register(app.url);
    const conv = await api(app.url, 'POST', '/api/conversations', { token: a.accessToken, json: { type: 'direct', memberIds: [b.id] } });
    assert.equal(conv.status, 201, conv.text);
    assert.equal(conv.body.members.length, 2);
    const again = await api(app.url, 'POST', '/api/conversations', { token: b.accessToken, json: { type: 'direct', memberIds: [a.id] } });
    assert.equal(again.status, 200, 'the existing direct conversation is returned');
    assert.equal(again.body.id, conv.body.id);
    const posted = await api(app.url, 'POST', `/api/conversations/${conv.body.id}/messages`, { token: a.accessToken, json: { body: 'hello' } });
    assert.equal(posted.status, 201, posted.text);
    assert.match(posted.body.id, /^\d+$/);
    assert.equal(posted.body.sender.username, a.username);
    assert.equal(posted.body.attachment, null);
    const hist = await api(app.url, 'GET', `/api/conversations/${conv.body.id}/messages`, { token: b.accessToken });
    assert.equal(hist.status, 200, hist.text);
    assert.equal(hist.body.messages.length, 1);
    assert.equal(hist.body.nextCursor, null);
    const list = await api(app.url, 'GET', '/api/conversations', { token: b.accessToken });
    assert.equal(list.body.conversations[0].lastMessage.body, 'hello');
  });
});
