import assert from 'node:assert/strict';
import { admin, api, form, groupWith, needServices, register, startApp, type RunningApp, type TestUser } from './support/harness';

describe('RBAC and conversations', () => {
  let app: RunningApp;
  let databaseUrl: string;
  let alice: TestUser, bob: TestUser, eve: TestUser;
  let conv: string;
  before(async function () {
    const s = needServices(this);
    databaseUrl = s.databaseUrl;
    app = await startApp(s);
    [alice, bob, eve] = await Promise.all([register(app.url), register(app.url), register(app.url)]);
    conv = await groupWith(app.url, alice, [bob]);
  });
  after(() => app?.close());

  it('gives a non-member 403 on reading, posting, details, members and upload', async () => {
    const t = eve.accessToken;
    const checks = [
      await api(app.url, 'GET', `/api/conversations/${conv}`, { token: t }),
      await api(app.url, 'GET', `/api/conversations/${conv}/messages`, { token: t }),
      await api(app.url, 'POST', `/api/conversations/${conv}/messages`, { token: t, json: { body: 'let me in' } }),
      await api(app.url, 'POST', `/api/conversations/${conv}/members`, { token: t, json: { userId: eve.id } }),
      await api(app.url, 'POST', `/api/conversations/${conv}/files`, { token: t, body: form('x.txt', 'text/plain', 'hi') }),
    ];
    for (const r of checks) {
      assert.equal(r.status, 403, r.text);
      assert.equal(r.body.error, 'forbidden');
    }
  });

  it('gives 404 for an unknown conversation', async () => {
    const r = await api(app.url, 'GET', '/api/conversations/00000000-0000-4000-8000-000000000000', { token: alice.accessToken });
    assert.equal(r.status, 404);
  });

  it('lists only conversations the user belongs to', async () => {
    const mine = await api(app.url, 'GET', '/api/conversations', { token: eve.accessToken });
    assert.equal(mine.status, 200);
    assert.ok(!mine.body.conversations.some((c: { id: string }) => c.id === conv));
    const bobs = await api(app.url, 'GET', '/api/conversations', { token: bob.accessToken });
    assert.ok(bobs.body.conversations.some((c: { id: string }) => c.id === conv));
  });

  it('lets a member add someone to a group, who can then read it', async () => {
    const carol = await register(app.url);
    const r = await api(app.url, 'POST', `/api/conversations/${conv}/members`, { token: bob.accessToken, json: { userId: carol.id } });
    assert.equal(r.status, 201, r.text);
    assert.ok(r.body.members.some((m: { id: string }) => m.id === carol.id));
    assert.equal((await api(app.url, 'GET', `/api/conversations/${conv}/messages`, { token: carol.accessToken })).status, 200);
  });

  it('refuses adding members to a direct conversation', async () => {
    const d = await api(app.url, 'POST', '/api/conversations', { token: alice.accessToken, json: { type: 'direct', memberIds: [eve.id] } });
    const r = await api(app.url, 'POST', `/api/conversations/${d.body.id}/members`, { token: alice.accessToken, json: { userId: bob.id } });
    assert.equal(r.status, 400);
  });

  it('finds users by name', async () => {
    const r = await api(app.url, 'GET', `/api/users?q=${encodeURIComponent(bob.username)}`, { token: alice.accessToken });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.users.map((u: { id: string }) => u.id), [bob.id]);
    assert.deepEqual(Object.keys(r.body.users[0]).sort(), ['displayName', 'id', 'username']);
  });

  it('gives a non-admin 403 on /api/admin/stats and an admin the numbers', async () => {
    const denied = await api(app.url, 'GET', '/api/admin/stats', { token: alice.accessToken });
    assert.equal(denied.status, 403);
    const root = await admin(app.url, databaseUrl);
    assert.equal(root.body.user.role, 'admin');
    const stats = await api(app.url, 'GET', '/api/admin/stats', { token: root.body.accessToken });
    assert.equal(stats.status, 200, stats.text);
    assert.deepEqual(Object.keys(stats.body).sort(), ['conversations', 'files', 'messages', 'storageBytes', 'users']);
    assert.ok(stats.body.users >= 4 && stats.body.conversations >= 1);
  });
});
