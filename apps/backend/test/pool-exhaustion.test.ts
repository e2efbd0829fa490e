// More requests than pooled connections, while the connections are all busy: the ones that
// cannot get a connection in time answer 503 with Retry-After (issue 15, 4b: 3 of 150 parallel
// requests answered 500), and the others complete once the connections come free.
import assert from 'node:assert/strict';
import { Client } from 'pg';
import { api, groupWith, needServices, register, startApp, type ApiResponse, type RunningApp } from './support/harness';
import type { SharedServices } from './support/shared';

describe('connection pool exhaustion: 503 with Retry-After, never 500', () => {
  let s: SharedServices;
  let app: RunningApp;
  before(async function () {
    s = needServices(this);
    app = await startApp(s);
  });
  after(() => app?.close());

  it('answers the requests that found no free connection with 503, then serves the rest', async function () {
    this.timeout(60000);
    const alice = await register(app.url);
    const conv = await groupWith(app.url, alice, []);
    const poolSize = app.server.ctx.pool.options.max!;
    const extra = 3;

    // Every post waits on this row lock inside its transaction, keeping its connection.
    const locker = new Client({ connectionString: s.databaseUrl });
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query('UPDATE conversations SET last_message_at = now() WHERE id = $1', [conv]);

    const settled: ApiResponse[] = [];
    const posts = Array.from({ length: poolSize + extra }, (_, i) =>
      api(app.url, 'POST', `/api/conversations/${conv}/messages`, { token: alice.accessToken, json: { body: `burst ${i}` } }).then((r) => {
        settled.push(r);
        return r;
      }),
    );
    // The first answers are the requests that waited for a connection until the pool gave up.
    const early = await new Promise<ApiResponse[]>((resolve) => {
      const timer = setInterval(() => {
        if (settled.length >= extra) {
          clearInterval(timer);
          resolve(settled.slice(0, extra));
        }
      }, 20);
    });
    await locker.query('COMMIT');
    await locker.end();
    const all = await Promise.all(posts);

    for (const r of early) {
      assert.equal(r.status, 503, r.text);
      assert.equal(r.body.error, 'unavailable');
      assert.match(r.body.message, /database/i);
      assert.match(r.headers.get('retry-after') ?? '', /^\d+$/, 'no Retry-After header');
    }
    const statuses = all.map((r) => r.status).sort();
    assert.ok(statuses.every((st) => st === 201 || st === 503), `unexpected statuses: ${statuses.join(', ')}`);
    assert.equal(statuses.filter((st) => st === 201).length, poolSize, `the posts that held a connection complete: ${statuses.join(', ')}`);
  });

  it('serves 150 parallel posts without a 500', async function () {
    this.timeout(60000);
    const users = await Promise.all([1, 2, 3].map(() => register(app.url)));
    const conv = await groupWith(app.url, users[0], users.slice(1));
    const results = await Promise.all(
      Array.from({ length: 150 }, (_, i) => api(app.url, 'POST', `/api/conversations/${conv}/messages`, { token: users[i % 3].accessToken, json: { body: `parallel ${i}` } })),
    );
    const bad = results.filter((r) => r.status !== 201);
    assert.deepEqual(bad.map((r) => `${r.status} ${r.text}`), []);
  });
});
