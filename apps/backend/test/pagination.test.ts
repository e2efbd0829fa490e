import assert from 'node:assert/strict';
import { Pool } from 'pg';
import { PgMessageStore } from '../src/store/pg-message-store';
import { api, groupWith, needServices, register, startApp, type RunningApp, type TestUser } from './support/harness';
import type { SharedServices } from './support/shared';

async function allPages(app: RunningApp, user: TestUser, conv: string, limit: number, between?: () => Promise<void>): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const q: string = cursor ? `?limit=${limit}&before=${cursor}` : `?limit=${limit}`;
    const r = await api(app.url, 'GET', `/api/conversations/${conv}/messages${q}`, { token: user.accessToken });
    assert.equal(r.status, 200, r.text);
    assert.ok(r.body.messages.length <= limit);
    ids.push(...r.body.messages.map((m: { id: string }) => m.id));
    cursor = r.body.nextCursor;
    if (between) await between();
  } while (cursor);
  return ids;
}

describe('history: keyset pagination', () => {
  let s: SharedServices;
  let app: RunningApp;
  let alice: TestUser, bob: TestUser;
  before(async function () {
    s = needServices(this);
    app = await startApp(s);
    [alice, bob] = await Promise.all([register(app.url), register(app.url)]);
  });
  after(() => app?.close());

  it('returns newest first with an opaque cursor and null at the end', async () => {
    const conv = await groupWith(app.url, alice, [bob]);
    for (let i = 0; i < 5; i++) await api(app.url, 'POST', `/api/conversations/${conv}/messages`, { token: alice.accessToken, json: { body: `m${i}` } });
    const p1 = await api(app.url, 'GET', `/api/conversations/${conv}/messages?limit=2`, { token: bob.accessToken });
    assert.deepEqual(p1.body.messages.map((m: { body: string }) => m.body), ['m4', 'm3']);
    assert.match(p1.body.nextCursor, /^[A-Za-z0-9_-]+$/);
    const p3 = await api(app.url, 'GET', `/api/conversations/${conv}/messages?limit=2&before=${(await api(app.url, 'GET', `/api/conversations/${conv}/messages?limit=2&before=${p1.body.nextCursor}`, { token: bob.accessToken })).body.nextCursor}`, { token: bob.accessToken });
    assert.deepEqual(p3.body.messages.map((m: { body: string }) => m.body), ['m0']);
    assert.equal(p3.body.nextCursor, null);
  });

  it('has no gaps or duplicates while messages are posted concurrently (two replicas)', async function () {
    this.timeout(30000);
    const conv = await groupWith(app.url, alice, [bob]);
    const post = (base: string, n: number) => api(base, 'POST', `/api/conversations/${conv}/messages`, { token: alice.accessToken, json: { body: `seed ${n}` } });
    for (let i = 0; i < 120; i += 10) await Promise.all(Array.from({ length: 10 }, (_, k) => post(app.url, i + k)));

    const replica = await startApp(s);
    let stop = false;
    const writers = Array.from({ length: 6 }, async (_, w) => {
      let n = 0;
      while (!stop) await post(w % 2 ? replica.url : app.url, 1000 * w + n++);
    });
    try {
      const seen = await allPages(app, bob, conv, 7, () => new Promise((r) => setTimeout(r, 5)));
      stop = true;
      await Promise.all(writers);
      assert.equal(new Set(seen).size, seen.length, `duplicate message across pages: ${seen.join(',')}`);
      const asNumbers = seen.map(BigInt);
      for (let i = 1; i < asNumbers.length; i++) assert.ok(asNumbers[i] < asNumbers[i - 1], 'pages are not strictly newest-first');
      // Everything at or below the newest id of the first page must have been returned: no gaps.
      const pool = new Pool({ connectionString: s.databaseUrl });
      const { rows } = await pool.query<{ id: string }>('SELECT id::text FROM messages WHERE conversation_id = $1 AND id <= $2 ORDER BY messages.id DESC', [conv, seen[0]]);
      const total = await pool.query<{ n: string }>('SELECT count(*)::text AS n FROM messages WHERE conversation_id = $1', [conv]);
      await pool.end();
      assert.deepEqual(seen, rows.map((r) => r.id));
      assert.ok(Number(total.rows[0].n) > seen.length, 'writers did not overlap with the reader; the test proved nothing');
    } finally {
      stop = true;
      await Promise.all(writers);
      await replica.close();
    }
  });

  it('never exposes a newer id before an older one of the same conversation commits', async () => {
    const conv = await groupWith(app.url, alice, [bob]);
    const pool = new Pool({ connectionString: s.databaseUrl });
    const store = new PgMessageStore(pool);
    const slow = await pool.connect();
    try {
      // A writer that has drawn its id but not committed yet, exactly as PgMessageStore.insert does.
      await slow.query('BEGIN');
      await slow.query('UPDATE conversations SET last_message_at = now() WHERE id = $1', [conv]);
      const early = await slow.query<{ id: string }>('INSERT INTO messages (conversation_id, sender_id, body) VALUES ($1, $2, $3) RETURNING id::text', [conv, alice.id, 'slow']);
      let fastDone = false;
      const fast = store.insert({ conversationId: conv, senderId: alice.id, body: 'fast', attachmentId: null }).then((m) => ((fastDone = true), m));
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(fastDone, false, 'a second insert must wait for the uncommitted one');
      assert.deepEqual(await store.page(conv, null, 10), []);
      await slow.query('COMMIT');
      const later = await fast;
      assert.ok(BigInt(later.id) > BigInt(early.rows[0].id));
      assert.deepEqual((await store.page(conv, null, 10)).map((m) => m.body), ['fast', 'slow']);
    } finally {
      slow.release();
      await pool.end();
    }
  });
});
