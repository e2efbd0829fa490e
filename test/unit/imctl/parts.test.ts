// The pure parts: log demultiplexing, flag parsing, redaction, ordering, event rendering,
// and endpoint resolution.
import * as assert from 'assert';
import { formatBytes, formatUptime, parseSeconds, parseSince, parseSize, parseTail } from '../../../automation/cli/duration';
import { Redactor, maskUrlPasswords } from '../../../automation/cli/redact';
import { renderTable } from '../../../automation/cli/table';
import { LogDemuxer, splitTimestamp } from '../../../automation/docker/demux';
import { dockerFailure } from '../../../automation/docker/dockerErrors';
import { DockerUnreachableError, OperationFailedError, UsageError } from '../../../automation/errors';
import { parseConnectionUrl, resolveEndpoint } from '../../../automation/health/endpoints';
import { describeUrn, hasChanges, maskSecrets, summarizeChanges } from '../../../automation/pulumi/engineEvents';
import { chooseBackend } from '../../../automation/pulumi/backend';
import { byTier, selectContainers } from '../../../automation/services';
import { container, devStack } from './support/fakes';

function frame(stream: 1 | 2, text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

describe('imctl parts', function () {
  describe('LogDemuxer', function () {
    it('splits stdout/stderr frames into lines, across chunk and frame boundaries', function () {
      const lines: string[] = [];
      const d = new LogDemuxer(false, (s, l) => lines.push(`${s}:${l}`));
      const all = Buffer.concat([frame(1, 'hello wo'), frame(1, 'rld\nsecond\n'), frame(2, 'oops\r\n'), frame(1, 'tail')]);
      for (let i = 0; i < all.length; i += 5) d.push(all.subarray(i, i + 5));
      d.end();
      assert.deepStrictEqual(lines, ['stdout:hello world', 'stdout:second', 'stderr:oops', 'stdout:tail']);
    });

    it('treats a TTY stream as plain stdout text', function () {
      const lines: string[] = [];
      const d = new LogDemuxer(true, (s, l) => lines.push(`${s}:${l}`));
      d.push(Buffer.from('a\nb'));
      d.push(Buffer.from('c\n'));
      assert.deepStrictEqual(lines, ['stdout:a', 'stdout:bc']);
    });

    it('splits Docker timestamps off', function () {
      assert.deepStrictEqual(splitTimestamp('2025-01-01T00:00:00.123456789Z ready to accept'), { time: '2025-01-01T00:00:00.123456789Z', text: 'ready to accept' });
      assert.deepStrictEqual(splitTimestamp('no time here'), { text: 'no time here' });
    });
  });

  describe('flag parsing', function () {
    const now = new Date('2025-01-01T12:00:00Z');
    it('--since accepts durations and ISO times, rejects the rest', function () {
      assert.strictEqual(parseSince('10m', now), now.getTime() / 1000 - 600);
      assert.strictEqual(parseSince('2h', now), now.getTime() / 1000 - 7200);
      assert.strictEqual(parseSince('2025-01-01T11:00:00Z', now), now.getTime() / 1000 - 3600);
      assert.throws(() => parseSince('10 minutes', now), UsageError);
    });
    it('--tail, durations and sizes', function () {
      assert.strictEqual(parseTail('20'), 20);
      assert.strictEqual(parseTail('all'), undefined);
      assert.throws(() => parseTail('x'), UsageError);
      assert.strictEqual(parseSeconds('90', '--t'), 90);
      assert.strictEqual(parseSeconds('2m', '--t'), 120);
      assert.throws(() => parseSeconds('0s', '--t'), UsageError);
      assert.strictEqual(parseSize('2GiB', '--s'), 2 * 1024 ** 3);
      assert.strictEqual(parseSize('500MB', '--s'), 500e6);
      assert.throws(() => parseSize('2 parsecs', '--s'), UsageError);
      assert.strictEqual(formatBytes(1536), '1.5 KiB');
      assert.strictEqual(formatUptime(3725), '1h2m');
      assert.strictEqual(formatUptime(2 * 86400 + 3600), '2d1h');
    });
  });

  describe('Redactor', function () {
    it('masks registered secrets (and their URL-encoded form) and URL passwords', function () {
      const r = new Redactor();
      r.add('p@ss/word');
      r.add('abc'); // too short to mask safely
      assert.strictEqual(r.redact('x p@ss/word y p%40ss%2Fword abc'), 'x [secret] y [secret] abc');
      assert.strictEqual(maskUrlPasswords('redis://:pw123@redis:6379 postgres://u:p@h/db'), 'redis://:[secret]@redis:6379 postgres://u:[secret]@h/db');
    });
  });

  it('renderTable aligns columns ignoring colour codes', function () {
    assert.strictEqual(renderTable(['A', 'B'], [['\u001b[32mok\u001b[0m', 'x'], ['long', 'y']]), 'A     B\n\u001b[32mok\u001b[0m    x\nlong  y');
  });

  describe('services', function () {
    it('orders by tier then catalogue then replica, and groups by tier', function () {
      const tiers = byTier(devStack()).map((g) => g.map((c) => c.name.replace('imstack-dev-', '')));
      assert.deepStrictEqual(tiers, [['postgres', 'redis', 'minio', 'minio-init'], ['backend-1', 'backend-2', 'web', 'next'], ['nginx']]);
    });
    it('selects services, replicas, and everything but one-shot jobs by default', function () {
      const all = devStack();
      assert.ok(!selectContainers(all, []).some((c) => c.service === 'minio-init'));
      assert.deepStrictEqual(selectContainers(all, ['backend']).map((c) => c.replica), [1, 2]);
      assert.deepStrictEqual(selectContainers(all, ['backend-2', 'backend']).length, 2);
      assert.throws(() => selectContainers(all, ['db', 'cache']), /unknown services: db, cache/);
    });
    it('unknown services sort after known ones within their tier', function () {
      const list = [container('metrics', { tier: 'app' }), container('web')];
      assert.deepStrictEqual(selectContainers(list, []).map((c) => c.service), ['web', 'metrics']);
    });
  });

  describe('engine events', function () {
    it('describes URNs, summarises change maps and detects changes', function () {
      assert.deepStrictEqual(describeUrn('urn:pulumi:dev::imstack::imstack:tiers:DataTier$docker:index/container:Container::imstack-dev-postgres'), { name: 'imstack-dev-postgres', type: 'docker:Container' });
      assert.strictEqual(summarizeChanges({ create: 2, same: 5, replace: 1 }), '2 created, 1 replaced, 5 unchanged');
      assert.strictEqual(summarizeChanges({}), 'no resources');
      assert.ok(!hasChanges({ same: 4 }));
      assert.ok(hasChanges({ same: 4, delete: 1 }));
    });
    it('masks serialized secrets anywhere in an event', function () {
      const sig = { '4dabf18193072939515e22adb298388d': '1b47061264138c4ac30d75fd1eb44270', value: 'hunter2' };
      assert.deepStrictEqual(maskSecrets({ a: [sig, 1], b: { c: sig } }), { a: ['[secret]', 1], b: { c: '[secret]' } });
    });
  });

  describe('endpoints', function () {
    it('prefers a published IPv4 port, else the container IP on the preferred network', function () {
      const pg = container('postgres', {
        ports: [{ hostIp: '::', hostPort: 5432, containerPort: 5432, protocol: 'tcp' }, { hostIp: '0.0.0.0', hostPort: 5432, containerPort: 5432, protocol: 'tcp' }],
        networks: { bridge: '172.17.0.2', 'imstack-dev-data': '172.20.0.5' },
      });
      assert.deepStrictEqual(resolveEndpoint(pg, 5432), { host: '127.0.0.1', port: 5432, via: 'published port' });
      pg.ports = [];
      assert.deepStrictEqual(resolveEndpoint(pg, 5432, ['imstack-dev-data']), { host: '172.20.0.5', port: 5432, via: 'container IP on imstack-dev-data' });
      pg.networks = {};
      assert.strictEqual(resolveEndpoint(pg, 5432), undefined);
    });
    it('parses connection URLs with encoded credentials, and tolerates garbage', function () {
      assert.deepStrictEqual(parseConnectionUrl('postgres://app:p%40ss@postgres:5432/imstack', 5432), { host: 'postgres', port: 5432, user: 'app', password: 'p@ss', path: 'imstack' });
      assert.strictEqual(parseConnectionUrl('redis://:pw@redis/0', 6379)?.port, 6379);
      assert.strictEqual(parseConnectionUrl('not a url', 1), undefined);
      assert.strictEqual(parseConnectionUrl(undefined, 1), undefined);
    });
  });

  describe('docker errors', function () {
    it('connection failures are "unreachable", API errors name Docker\'s reason', function () {
      assert.ok(dockerFailure(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }), 'ping') instanceof DockerUnreachableError);
      const e = dockerFailure({ statusCode: 409, json: { message: 'conflict: volume is in use' } }, 'remove volume v');
      assert.ok(e instanceof OperationFailedError);
      assert.strictEqual(e.message, 'remove volume v: conflict: volume is in use');
    });
  });

  describe('backend choice', function () {
    it('honours PULUMI_BACKEND_URL, else uses the project state dir', function () {
      assert.deepStrictEqual(chooseBackend('/p', {}), { url: 'file:///p/.pulumi-state', localDir: '/p/.pulumi-state' });
      assert.deepStrictEqual(chooseBackend('/p', { PULUMI_BACKEND_URL: 's3://bucket' }), { url: 's3://bucket' });
      assert.deepStrictEqual(chooseBackend('/p', { PULUMI_BACKEND_URL: 'file:///state' }), { url: 'file:///state', localDir: '/state' });
      assert.deepStrictEqual(chooseBackend('/p', { PULUMI_BACKEND_URL: 'file://~' }), { url: 'file://~' });
    });
  });
});
