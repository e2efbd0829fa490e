import assert from 'node:assert/strict';
import { expiresSoon, jwtExpiry, storageTokenStore, type KeyValueStorage } from '../src/session';
import { fakeJwt } from './jwt';

function memoryStorage(): KeyValueStorage & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return {
    data,
    getItem: (k) => data.get(k) ?? null,
    setItem: (k, v) => void data.set(k, v),
    removeItem: (k) => void data.delete(k),
  };
}

describe('session', () => {
  it('stores, reads and clears the token pair', () => {
    const storage = memoryStorage();
    const store = storageTokenStore(storage);
    assert.equal(store.get(), null);
    store.set({ accessToken: 'a', refreshToken: 'r' });
    assert.deepEqual(store.get(), { accessToken: 'a', refreshToken: 'r' });
    store.set(null);
    assert.equal(store.get(), null);
    assert.equal(storage.data.size, 0);
  });

  it('treats a corrupt or foreign entry as logged out and removes it', () => {
    const storage = memoryStorage();
    storage.setItem('imstack.tokens', '{not json');
    assert.equal(storageTokenStore(storage).get(), null);
    assert.equal(storage.data.size, 0);
    storage.setItem('imstack.tokens', JSON.stringify({ accessToken: 1 }));
    assert.equal(storageTokenStore(storage).get(), null);
  });

  it('reads the expiry of a JWT (base64url payload) and rejects non-JWTs', () => {
    assert.equal(jwtExpiry(fakeJwt(1_900_000_000)), 1_900_000_000);
    assert.equal(jwtExpiry('opaque'), null);
    assert.equal(jwtExpiry('a.@@@.c'), null);
  });

  it('flags tokens that expire within the skew, or cannot be read', () => {
    const now = 1_700_000_000_000;
    assert.equal(expiresSoon(fakeJwt(now / 1000 + 600), now), false);
    assert.equal(expiresSoon(fakeJwt(now / 1000 + 10), now), true);
    assert.equal(expiresSoon('opaque', now), true);
  });
});
