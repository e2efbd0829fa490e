import assert from 'node:assert/strict';
import { applyNewer, applyOlderPage, compareIds, emptyHistory, hasOlder, mergeMessages, type HistoryState } from '../src/history';

interface M {
  id: string;
  body?: string;
}
const ids = (ms: readonly M[]): string[] => ms.map((m) => m.id);
const msgs = (...list: (number | string)[]): M[] => list.map((id) => ({ id: String(id) }));

describe('history merge', () => {
  it('orders bigint id strings numerically, also beyond 2^53', () => {
    assert.ok(compareIds('9', '10') < 0);
    assert.ok(compareIds('100', '99') > 0);
    assert.equal(compareIds('42', '42'), 0);
    assert.ok(compareIds('9007199254740993', '9007199254740992') > 0);
    assert.deepEqual(['10', '9', '100', '11'].sort(compareIds), ['9', '10', '11', '100']);
  });

  it('merges overlapping lists into one ascending list without duplicates; the incoming copy wins', () => {
    const merged = mergeMessages([{ id: '5', body: 'old' }, { id: '7' }], [{ id: '9' }, { id: '5', body: 'new' }, { id: '3' }]);
    assert.deepEqual(ids(merged), ['3', '5', '7', '9']);
    assert.equal(merged.find((m) => m.id === '5')?.body, 'new');
  });

  it('turns newest-first pages into an ascending list and follows the cursor', () => {
    let s: HistoryState<M> = emptyHistory();
    assert.equal(hasOlder(s), true, 'the first page is always fetched');
    s = applyOlderPage(s, { messages: msgs(30, 29, 28), nextCursor: 'c1' });
    assert.deepEqual(ids(s.messages), ['28', '29', '30']);
    assert.equal(s.nextCursor, 'c1');
    s = applyOlderPage(s, { messages: msgs(27, 26), nextCursor: null });
    assert.deepEqual(ids(s.messages), ['26', '27', '28', '29', '30']);
    assert.equal(hasOlder(s), false);
  });

  it('drops duplicates when a page overlaps what is already shown', () => {
    let s = applyOlderPage(emptyHistory<M>(), { messages: msgs(10, 9, 8), nextCursor: 'x' });
    s = applyOlderPage(s, { messages: msgs(8, 7, 6), nextCursor: 'y' });
    assert.deepEqual(ids(s.messages), ['6', '7', '8', '9', '10']);
  });

  it('keeps the older-history cursor when live messages arrive', () => {
    let s = applyOlderPage(emptyHistory<M>(), { messages: msgs(10, 9), nextCursor: 'older' });
    s = applyNewer(s, msgs(11, 10));
    assert.equal(s.nextCursor, 'older');
    assert.deepEqual(ids(s.messages), ['9', '10', '11']);
  });

  it('ends with exactly every message once when paging back while new ones keep arriving', () => {
    // A keyset-paginated fake server: the cursor is the last id returned.
    const server: string[] = [];
    let nextId = 1;
    const post = (): string => {
      const id = String(nextId++);
      server.push(id);
      return id;
    };
    for (let i = 0; i < 230; i++) post();
    const page = (before: string | null, limit: number) => {
      const older = server.filter((id) => before === null || compareIds(id, before) < 0).sort((a, b) => compareIds(b, a));
      const out = older.slice(0, limit);
      return { messages: out.map((id) => ({ id })), nextCursor: older.length > limit ? out[out.length - 1] : null };
    };
    let s: HistoryState<M> = emptyHistory();
    while (hasOlder(s)) {
      s = applyOlderPage(s, page(s.nextCursor, 50));
      // Live traffic between page fetches, each delivered twice (socket and catch-up fetch).
      const live = [post(), post()].map((id) => ({ id }));
      s = applyNewer(s, live);
      s = applyNewer(s, live);
    }
    assert.deepEqual(ids(s.messages), [...server].sort(compareIds));
    assert.equal(new Set(ids(s.messages)).size, s.messages.length);
  });
});
