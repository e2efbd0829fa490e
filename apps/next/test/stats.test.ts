import assert from 'node:assert/strict';
import { formatBytes, formatCount, parseStats, statCards } from '../lib/stats';

describe('admin stats', () => {
  const sample = { users: 1234, conversations: 40, messages: 1_000_000, files: 1, storageBytes: 5 * 1024 ** 3 + 1 };

  it('accepts the documented payload, and bigint counts sent as strings', () => {
    assert.deepEqual(parseStats(sample), sample);
    assert.equal(parseStats({ ...sample, messages: '9000000001' }).messages, 9_000_000_001);
  });

  it('names the field that is missing or wrong instead of rendering NaN', () => {
    assert.throws(() => parseStats({ ...sample, storageBytes: undefined }), /storageBytes/);
    assert.throws(() => parseStats({ ...sample, users: -1 }), /users/);
    assert.throws(() => parseStats({ ...sample, files: '1e3' }), /files/);
    assert.throws(() => parseStats(null), /not an object/);
  });

  it('formats counts with separators and storage in binary units', () => {
    assert.equal(formatCount(1_000_000), '1,000,000');
    assert.equal(formatBytes(0), '0 B');
    assert.equal(formatBytes(1023), '1023 B');
    assert.equal(formatBytes(1024), '1.00 KiB');
    assert.equal(formatBytes(1536 * 1024), '1.50 MiB');
    assert.equal(formatBytes(200 * 1024 ** 3), '200 GiB');
    assert.equal(formatBytes(3 * 1024 ** 5), '3.00 PiB');
  });

  it('shows users, conversations, messages and storage used', () => {
    const cards = statCards(sample);
    assert.deepEqual(cards.map((c) => [c.key, c.value]), [
      ['users', '1,234'],
      ['conversations', '40'],
      ['messages', '1,000,000'],
      ['storage', '5.00 GiB'],
    ]);
    assert.equal(cards[2].detail, '25000.0 per conversation');
    assert.equal(cards[3].detail, '1 file');
    assert.equal(statCards({ ...sample, conversations: 0, files: 2 })[2].detail, undefined);
  });
});
