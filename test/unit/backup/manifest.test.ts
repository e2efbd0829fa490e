import { strict as assert } from 'assert';
import { ArchiveHeader, ArchiveRejected, checkEntries, Manifest, parseHeader, parseManifest } from '../../../automation/backup/manifest';
import { backupHealth } from '../../../automation/backup/status';
import { fromEnv as settingsFromEnv, parseComponents } from '../../../automation/backup/contract';

const sha = (c: string): string => c.repeat(64);
const header: ArchiveHeader = { formatVersion: 1, stack: 'prod', createdAt: '2024-01-01T02:00:00.000Z', components: ['postgres', 'minio'], kind: 'scheduled' };
const manifest: Manifest = {
  ...header,
  tools: { node: 'v20' },
  entries: [
    { name: 'header.json', size: 10, sha256: sha('a') },
    { name: 'postgres.dump', size: 100, sha256: sha('b') },
    { name: 'objects/x', size: 5, sha256: sha('c') },
  ],
  rowCounts: { 'public.users': 3 },
  objectCount: 1,
  objectBytes: 5,
};
const seenOf = (m: Manifest): Map<string, { size: number; sha256: string }> => new Map(m.entries.map((e) => [e.name, { size: e.size, sha256: e.sha256 }]));

function rejected(fn: () => unknown, code: ArchiveRejected['code'], re: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof ArchiveRejected && e.code === code && re.test(e.message));
}

describe('backup manifest checks', () => {
  it('accepts a matching archive', () => {
    const h = parseHeader(JSON.stringify(header), 'prod');
    const m = parseManifest(JSON.stringify(manifest), h);
    checkEntries(m, seenOf(m));
  });

  it('refuses another stack and unknown format versions, naming them', () => {
    rejected(() => parseHeader(JSON.stringify(header), 'dev'), 'wrong-stack', /stack "prod", not "dev"/);
    rejected(() => parseHeader(JSON.stringify({ ...header, formatVersion: 2 }), 'prod'), 'format-version', /version 2/);
    rejected(() => parseHeader('{not json', 'prod'), 'malformed', /not valid JSON/);
    rejected(() => parseHeader(JSON.stringify({ ...header, components: ['mysql'] }), 'prod'), 'malformed', /components/);
  });

  it('refuses a manifest that disagrees with the header', () => {
    const h = parseHeader(JSON.stringify(header), 'prod');
    rejected(() => parseManifest(JSON.stringify({ ...manifest, stack: 'dev' }), h), 'malformed', /does not match/);
    rejected(() => parseManifest(JSON.stringify({ ...manifest, entries: [{ name: 'x', size: 1, sha256: 'zz' }] }), h), 'malformed', /malformed entry/);
  });

  it('detects wrong sizes, wrong hashes, missing and extra entries', () => {
    const seen = seenOf(manifest);
    rejected(() => checkEntries(manifest, new Map(seen).set('postgres.dump', { size: 99, sha256: sha('b') })), 'checksum', /99 bytes, manifest says 100/);
    rejected(() => checkEntries(manifest, new Map(seen).set('objects/x', { size: 5, sha256: sha('d') })), 'checksum', /objects\/x.*sha256/);
    const missing = new Map(seen);
    missing.delete('objects/x');
    rejected(() => checkEntries(manifest, missing), 'missing-entry', /objects\/x/);
    rejected(() => checkEntries(manifest, new Map(seen).set('objects/y', { size: 1, sha256: sha('e') })), 'unexpected-entry', /objects\/y/);
    rejected(() => checkEntries({ ...manifest, objectCount: 2 }, seen), 'checksum', /objectCount=2/);
  });

  it('requires the dump when postgres is a listed component', () => {
    const m = { ...manifest, entries: manifest.entries.filter((e) => e.name !== 'postgres.dump') };
    rejected(() => checkEntries(m, seenOf(m)), 'missing-entry', /postgres\.dump/);
  });
});

describe('backup status and job settings', () => {
  const now = new Date('2024-01-02T04:00:00Z');
  it('health degrades when the last success is older than 26 hours or missing', () => {
    assert.equal(backupHealth({}, now).ok, false);
    assert.equal(backupHealth({ lastSuccess: { at: '2024-01-01T01:00:00Z', kind: 'scheduled' } }, now).ok, false);
    assert.equal(backupHealth({ lastSuccess: { at: '2024-01-01T02:30:00Z', kind: 'scheduled' } }, now).ok, true);
  });

  it('reads the job environment with defaults', () => {
    const s = settingsFromEnv({ STACK: 'prod', PGPASSWORD: 'p', S3_ACCESS_KEY: 'a', S3_SECRET_KEY: 's', BACKUP_KEY: 'k' });
    assert.equal(s.schedule, '0 2 * * *');
    assert.equal(s.timezone, 'UTC');
    assert.deepEqual(s.retention, { retentionDays: 7, keepLast: 3 });
    assert.deepEqual(s.components, ['postgres', 'minio']);
    assert.equal(s.ctx.backupDir, '/backups');
    assert.equal(s.ctx.postgres?.host, 'postgres');
    assert.equal(s.ctx.postgres?.database, 'imstack');
    assert.equal(s.ctx.s3?.endPoint, 'minio');
    assert.equal(s.ctx.remote, undefined);
    const r = settingsFromEnv({ STACK: 'prod', REMOTE_S3_ENDPOINT: 's3.example.com', REMOTE_S3_ACCESS_KEY: 'a', REMOTE_S3_SECRET_KEY: 'b', REMOTE_S3_BUCKET: 'off' });
    assert.equal(r.ctx.remote?.prefix, 'imstack/prod/');
    assert.equal(r.ctx.remote?.useSSL, true);
  });

  it('names the bad variable without echoing secrets', () => {
    assert.throws(() => settingsFromEnv({}), /STACK is required/);
    assert.throws(() => settingsFromEnv({ STACK: 'p', KEEP_LAST: '0' }), /KEEP_LAST must be an integer >= 1/);
    assert.throws(() => settingsFromEnv({ STACK: 'p', REMOTE_S3_ENDPOINT: 'x', REMOTE_S3_ACCESS_KEY: 'a' }), (e: Error) => /REMOTE_S3_SECRET_KEY is required/.test(e.message));
    assert.throws(() => parseComponents('postgres,mysql'), /mysql/);
    assert.deepEqual(parseComponents('all'), ['postgres', 'minio']);
  });
});
