import assert from 'node:assert/strict';
import { LOGIN_MESSAGES, decideLogin, decideStats, readCredentials } from '../lib/access';
import { backendUrl } from '../lib/config';

const stats = { users: 1, conversations: 2, messages: 3, files: 4, storageBytes: 5 };

describe('access decisions', () => {
  it('shows stats only on a valid 200', () => {
    assert.deepEqual(decideStats(200, stats), { kind: 'ok', stats });
    assert.equal(decideStats(200, { users: 1 }).kind, 'unavailable');
  });

  it('sends expired or missing sessions to login and refuses non-admins', () => {
    assert.equal(decideStats(401, { error: 'unauthorized' }).kind, 'login');
    assert.equal(decideStats(403, { error: 'forbidden' }).kind, 'forbidden');
  });

  it('treats backend failures as unavailable, not as a refusal', () => {
    assert.deepEqual(decideStats(503, null), { kind: 'unavailable', reason: 'backend answered HTTP 503' });
    assert.equal(decideStats(500, null).kind, 'unavailable');
  });

  it('maps login answers', () => {
    assert.deepEqual(decideLogin(200, { user: {}, accessToken: 'a.b.c', refreshToken: 'r' }), { kind: 'ok', accessToken: 'a.b.c' });
    assert.equal(decideLogin(200, {}).kind, 'unavailable');
    assert.equal(decideLogin(401, { error: 'invalid_credentials' }).kind, 'invalid');
    assert.equal(decideLogin(400, { error: 'bad_request' }).kind, 'invalid');
    assert.equal(decideLogin(502, null).kind, 'unavailable');
  });

  it('validates the login form before calling the backend', () => {
    const form = (o: Record<string, unknown>) => ({ get: (k: string) => o[k] });
    assert.deepEqual(readCredentials(form({ username: ' Admin ', password: 'correct horse' })), { username: 'admin', password: 'correct horse' });
    assert.match((readCredentials(form({ username: 'ad', password: 'correct horse' })) as { error: string }).error, /username/);
    assert.match((readCredentials(form({ username: 'admin', password: 'short' })) as { error: string }).error, /password/);
    assert.match((readCredentials(form({ username: 'admin' })) as { error: string }).error, /required/);
    assert.match((readCredentials(form({ username: 'ad min', password: 'correct horse' })) as { error: string }).error, /username/);
  });

  it('has a message for every error code the login route redirects with', () => {
    for (const code of ['invalid', 'input', 'expired', 'unavailable', 'origin']) assert.ok(LOGIN_MESSAGES[code], code);
  });

  it('reads BACKEND_URL with a default and rejects malformed values', () => {
    assert.equal(backendUrl({}), 'http://backend:4000');
    assert.equal(backendUrl({ BACKEND_URL: 'http://127.0.0.1:4100/' }), 'http://127.0.0.1:4100');
    assert.throws(() => backendUrl({ BACKEND_URL: 'backend:4000' }), /BACKEND_URL/);
    assert.throws(() => backendUrl({ BACKEND_URL: 'not a url' }), /not a valid URL/);
  });
});
