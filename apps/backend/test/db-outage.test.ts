// A PostgreSQL crash while requests hold pooled connections: the backend process must survive
// it, answer 503 {error, message} with Retry-After while the database is away, and serve again
// once it is back, without a restart (issue 15, item 4 and 4b).
import assert from 'node:assert/strict';
import { Client } from 'pg';
import { api, baseEnv, groupWith, needServices, register, type ApiResponse } from './support/harness';
import { startProcess, waitHealthy, type BackendProcess } from './support/process';
import { freePort, startPostgres, type Postgres } from './support/services';
import { until } from './support/until';

function assertUnavailable(r: ApiResponse, what: string): void {
  assert.equal(r.status, 503, `${what}: ${r.status} ${r.text}`);
  assert.equal(r.body?.error, 'unavailable', `${what}: ${r.text}`);
  assert.match(r.body?.message ?? '', /database/i, `${what}: ${r.text}`);
  assert.match(r.headers.get('retry-after') ?? '', /^\d+$/, `${what}: no Retry-After header`);
}

describe('database outage: the backend survives a postgres crash and answers 503 until it returns', () => {
  let pg: Postgres;
  let proc: BackendProcess | undefined;
  let base: string;

  before(async function () {
    this.timeout(60000);
    const s = needServices(this);
    // A private cluster, so crashing it does not disturb the other suites.
    pg = await startPostgres();
    const databaseUrl = await pg.createDatabase('imstack_outage');
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    proc = startProcess(baseEnv(s, { DATABASE_URL: databaseUrl, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' }));
    await waitHealthy(base, proc);
  });

  after(async () => {
    if (proc && proc.child.exitCode === null) proc.child.kill('SIGKILL');
    await pg?.stop();
  });

  it('keeps running when postgres dies under requests that hold connections, 503s meanwhile, then recovers', async function () {
    this.timeout(60000);
    const alice = await register(base);
    const conv = await groupWith(base, alice, []);

    // Hold the conversation's row lock from outside, so these posts wait inside their
    // transactions with a pooled connection checked out when the server goes away.
    const locker = new Client({ connectionString: pg.url('imstack_outage') });
    locker.on('error', () => undefined);
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query('UPDATE conversations SET last_message_at = now() WHERE id = $1', [conv]);
    const blocked = Array.from({ length: 4 }, (_, i) =>
      api(base, 'POST', `/api/conversations/${conv}/messages`, { token: alice.accessToken, json: { body: `held ${i}` } }).catch((e: Error) => e),
    );
    // Another connection: pg_stat_activity is a snapshot that stays fixed inside a transaction.
    const watcher = new Client({ connectionString: pg.url('imstack_outage') });
    watcher.on('error', () => undefined);
    await watcher.connect();
    await until('4 posts waiting on the row lock', 100, 50, async () => {
      const { rows } = await watcher.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = 'imstack_outage'");
      return rows[0].n >= 4 ? true : undefined;
    });

    pg.crash();

    const held = await Promise.all(blocked);
    for (const r of held) {
      assert.ok(!(r instanceof Error), `the request was cut off, as if the backend died: ${r instanceof Error ? r.message : ''}\n${proc!.output().slice(-2000)}`);
      assertUnavailable(r, 'a post in flight when postgres died');
    }
    assert.equal(proc!.child.exitCode, null, `the backend exited:\n${proc!.output().slice(-2000)}`);

    // While it is down, every database route says so (and nothing says 500).
    const down = await Promise.all([
      api(base, 'POST', `/api/conversations/${conv}/messages`, { token: alice.accessToken, json: { body: 'while down' } }),
      api(base, 'GET', '/api/conversations', { token: alice.accessToken }),
      api(base, 'GET', `/api/conversations/${conv}/messages`, { token: alice.accessToken }),
      api(base, 'GET', '/api/me', { token: alice.accessToken }),
      api(base, 'POST', '/api/auth/login', { json: { username: alice.username, password: 'correct horse battery' } }),
    ]);
    down.forEach((r, i) => assertUnavailable(r, `request ${i} while postgres is down`));
    const health = await api(base, 'GET', '/health');
    assert.equal(health.status, 503);
    assert.match(health.body.checks.postgres, /^down: /);

    pg.restart();
    const back = await until('a post to succeed after postgres restarted', 100, 100, async () => {
      const r = await api(base, 'POST', `/api/conversations/${conv}/messages`, { token: alice.accessToken, json: { body: 'after the restart' } });
      if (r.status !== 201) assertUnavailable(r, 'a post while postgres comes back');
      return r.status === 201 ? r : undefined;
    });
    assert.equal(back.body.body, 'after the restart');
    assert.equal((await api(base, 'GET', '/health')).status, 200);
    assert.equal(proc!.child.exitCode, null);
    assert.doesNotMatch(proc!.output(), /"level":50[^\n]*unhandled error/, 'no request may have ended as an unhandled 500');
  });
});
