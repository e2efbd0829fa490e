import assert from 'node:assert/strict';
import { startRedis, type RedisServer } from './support/services';
import { api, needServices, register, startApp, type RunningApp } from './support/harness';

describe('health: degraded when redis is stopped', () => {
  let redis: RedisServer;
  let app: RunningApp;
  before(async function () {
    const s = needServices(this);
    // A private redis, so stopping it does not disturb the other suites.
    redis = await startRedis();
    app = await startApp(s, { REDIS_URL: redis.url });
  });
  after(async () => {
    await app?.close();
    await redis?.stop();
  });

  it('answers 503 quickly, naming redis, and recovers when redis is back', async function () {
    this.timeout(15000);
    assert.equal((await api(app.url, 'GET', '/health')).status, 200);
    const user = await register(app.url);
    await redis.stop();
    const started = Date.now();
    const r = await api(app.url, 'GET', '/health');
    const took = Date.now() - started;
    assert.equal(r.status, 503, r.text);
    assert.equal(r.body.status, 'degraded');
    assert.match(r.body.checks.redis, /^down: /);
    assert.equal(r.body.checks.postgres, 'ok');
    assert.equal(r.body.checks.s3, 'ok');
    assert.ok(took < 2500, `a stopped redis must give a fast 503 (took ${took} ms)`);
    assert.ok(!r.text.includes(redis.url.split('@')[0].slice(10)), 'the redis password must not appear');

    // Authenticated routes say the session store is unavailable instead of failing with 500.
    const me = await api(app.url, 'GET', '/api/me', { token: user.accessToken });
    assert.equal(me.status, 503, me.text);
    assert.match(me.body.message, /session store/);
    assert.match(me.headers.get('retry-after') ?? '', /^\d+$/);
    // Signing in writes a session: the same 503, not a 500.
    const login = await api(app.url, 'POST', '/api/auth/login', { json: { username: user.username, password: 'correct horse battery' } });
    assert.equal(login.status, 503, login.text);
    assert.match(login.body.message, /session store/);
    assert.match(login.headers.get('retry-after') ?? '', /^\d+$/);

    await redis.restart();
    const deadline = Date.now() + 8000;
    let status = 0;
    while (Date.now() < deadline && status !== 200) {
      await new Promise((res) => setTimeout(res, 200));
      status = (await api(app.url, 'GET', '/health')).status;
    }
    assert.equal(status, 200, 'health recovers once redis is back');
  });
});
