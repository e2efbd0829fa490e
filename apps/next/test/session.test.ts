import assert from 'node:assert/strict';
import { clearedSessionCookie, isHttps, isSameOrigin, secondsUntilExpiry, sessionCookie } from '../lib/session';

const jwt = (exp: number) => `${Buffer.from('{"alg":"HS256"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: '1', exp })).toString('base64url')}.sig`;

describe('admin session cookie', () => {
  const now = 1_700_000_000_000;

  it('is httpOnly, SameSite=Strict, scoped to /next and lives as long as the token', () => {
    const c = sessionCookie(jwt(now / 1000 + 600), { secure: false, nowMs: now });
    assert.match(c, /^imstack_admin=[^;]+; /);
    for (const part of ['Path=/next', 'Max-Age=600', 'HttpOnly', 'SameSite=Strict']) assert.ok(c.split('; ').includes(part), part);
    assert.ok(!c.includes('Secure'));
  });

  it('is Secure over https and never outlives 15 minutes', () => {
    const c = sessionCookie(jwt(now / 1000 + 86_400), { secure: true, nowMs: now });
    assert.ok(c.split('; ').includes('Secure'));
    assert.ok(c.split('; ').includes('Max-Age=900'));
    assert.ok(sessionCookie('opaque-token', { secure: false, nowMs: now }).includes('Max-Age=900'));
    assert.ok(sessionCookie(jwt(now / 1000 - 5), { secure: false, nowMs: now }).includes('Max-Age=0'));
  });

  it('refuses tokens that could inject cookie attributes', () => {
    assert.throws(() => sessionCookie('abc; Path=/', { secure: false, nowMs: now }), /unexpected characters/);
    assert.throws(() => sessionCookie('', { secure: false, nowMs: now }));
  });

  it('clears with the same path and flags', () => {
    assert.equal(clearedSessionCookie(true), 'imstack_admin=; Path=/next; Max-Age=0; HttpOnly; SameSite=Strict; Secure');
  });

  it('reads JWT expiry', () => {
    assert.equal(secondsUntilExpiry(jwt(now / 1000 + 42), now), 42);
    assert.equal(secondsUntilExpiry('no-dots', now), null);
  });

  it('detects https from X-Forwarded-Proto first', () => {
    assert.equal(isHttps('https', 'http://next:3000/next/api/login'), true);
    assert.equal(isHttps('http, https', 'https://x/'), false);
    assert.equal(isHttps(null, 'https://x/'), true);
    assert.equal(isHttps(null, 'http://x/'), false);
  });

  it('refuses cross-site posts but allows non-browser clients', () => {
    assert.equal(isSameOrigin('https://chat.example.org', 'chat.example.org'), true);
    assert.equal(isSameOrigin('http://127.0.0.1:8080', '127.0.0.1:8080'), true);
    assert.equal(isSameOrigin('https://evil.example', 'chat.example.org'), false);
    assert.equal(isSameOrigin('null', 'chat.example.org'), false);
    assert.equal(isSameOrigin(null, 'chat.example.org'), true);
    assert.equal(isSameOrigin('https://chat.example.org', null), false);
  });
});
