import { strict as assert } from 'assert';
import { canonicalMeta, diffByListing, LiveObject } from '../../../automation/backup/objectPlan';
import type { ArchivedObject } from '../../../automation/backup/verify';

const md5 = (c: string): string => c.repeat(32);
const archived = new Map<string, ArchivedObject>([
  ['same', { size: 3, md5: md5('a'), meta: '{}' }],
  ['other-bytes', { size: 3, md5: md5('b'), meta: '{}' }],
  ['other-size', { size: 3, md5: md5('c'), meta: '{}' }],
  ['multipart', { size: 3, md5: md5('d'), meta: '{}' }],
  ['missing', { size: 3, md5: md5('e'), meta: '{}' }],
  ['upper', { size: 3, md5: md5('f'), meta: '{}' }],
]);
const live = new Map<string, LiveObject>([
  ['same', { size: 3, etag: md5('a') }],
  ['other-bytes', { size: 3, etag: md5('9') }],
  ['other-size', { size: 4, etag: md5('c') }],
  ['multipart', { size: 3, etag: `${md5('d')}-2` }],
  ['upper', { size: 3, etag: md5('F') }],
  ['extra', { size: 1, etag: md5('0') }],
]);

describe('restore object plan (pure part)', () => {
  it('sorts keys into candidates, uploads and copies to save first', () => {
    const d = diffByListing(archived, live);
    assert.deepEqual(d.candidates.sort(), ['same', 'upper']);
    assert.deepEqual([...d.upload].sort(), ['missing', 'multipart', 'other-bytes', 'other-size']);
    // Everything in the bucket that will be overwritten or removed, and nothing else.
    assert.deepEqual([...d.save].sort(), ['extra', 'multipart', 'other-bytes', 'other-size']);
  });

  it('with the ETag recorded in the archive, equal ETags mean equal content, multipart ones included', () => {
    const rec = new Map<string, ArchivedObject>([
      ['video', { size: 3, meta: '{}', etag: 'abc-3' }],
      ['rewritten', { size: 3, meta: '{}', etag: md5('1') }],
    ]);
    const d = diffByListing(rec, new Map([
      ['video', { size: 3, etag: 'abc-3' }],
      ['rewritten', { size: 3, etag: md5('2') }],
    ]));
    assert.deepEqual(d.candidates, ['video']);
    assert.deepEqual([...d.upload], ['rewritten']);
    assert.deepEqual([...d.save], ['rewritten']);
  });

  it('an empty bucket (disaster recovery) saves nothing and uploads everything', () => {
    const d = diffByListing(archived, new Map());
    assert.equal(d.save.size, 0);
    assert.equal(d.upload.size, archived.size);
  });

  it('compares metadata regardless of key order and key case, but not of values', () => {
    assert.equal(canonicalMeta('{"content-type":"image/png","owner":"u1"}'), canonicalMeta('{"owner":"u1","Content-Type":"image/png"}'));
    assert.notEqual(canonicalMeta('{"content-type":"image/png"}'), canonicalMeta('{"content-type":"text/html"}'));
    assert.notEqual(canonicalMeta('{}'), canonicalMeta('{"owner":"u1"}'));
  });
});
