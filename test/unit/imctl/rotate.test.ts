// imctl rotate: config writes (with path: true), the explanation, then up.
import * as assert from 'assert';
import { rotationValue, rotationWrites } from '../../../automation/rotation';
import { FakePrompter, harness, imctl, pulumiError } from './support/fakes';

function configWrites(calls: Array<{ op: string; opts?: unknown }>): Array<{ key: string; value: string; path: boolean }> {
  return calls.filter((c) => c.op === 'setConfig').map((c) => c.opts as { key: string; value: string; path: boolean });
}

describe('imctl: rotate', function () {
  it('rotate postgres sets imstack:rotation.postgres (path) to the time, explains ALTER ROLE and the replaced backends, then runs up', async function () {
    const h = harness();
    const s = h.workspace.stack('dev');
    const r = await imctl(h, 'rotate', 'postgres');
    assert.strictEqual(r.code, 0, r.stderr);
    assert.deepStrictEqual(configWrites(s.calls), [{ key: 'imstack:rotation.postgres', value: '2025-01-01T01:00:00.000Z', path: true }]);
    assert.match(r.stdout, /postgres: .*ALTER ROLE.*backend replicas/);
    // up reads the deployed outputs first (the object-store engine guard), then updates.
    assert.deepStrictEqual(s.calls.map((c) => c.op), ['setConfig', 'outputs', 'up']);
    assert.strictEqual(h.workspace.opens[0].opts.create, false);
  });

  it('rotate jwt keeps the old value as rotation.jwtPrevious so sessions stay valid', async function () {
    const h = harness();
    const s = h.workspace.stack('dev');
    s.config.set('imstack:rotation.jwt', '2024-06-01T00:00:00.000Z');
    const r = await imctl(h, 'rotate', 'jwt');
    assert.strictEqual(r.code, 0, r.stderr);
    assert.deepStrictEqual(configWrites(s.calls).map((w) => [w.key, w.value]), [
      ['imstack:rotation.jwtPrevious', '2024-06-01T00:00:00.000Z'],
      ['imstack:rotation.jwt', '2025-01-01T01:00:00.000Z'],
    ]);
    assert.match(r.stdout, /JWT_SECRET_PREVIOUS/);
  });

  it('rotate backup appends the old value to rotation.backupPrevious so older archives stay restorable', async function () {
    const reads = new Map<string, string>([['imstack:rotation.backup', 'b1'], ['imstack:rotation.backupPrevious', '["0"]']]);
    const writes = await rotationWrites('backup', 'b2', async (k) => reads.get(k));
    assert.deepStrictEqual(writes, [
      { key: 'imstack:rotation.backupPrevious[1]', value: 'b1' },
      { key: 'imstack:rotation.backup', value: 'b2' },
    ]);
    const first = await rotationWrites('backup', 'b1', async () => undefined);
    assert.deepStrictEqual(first, [
      { key: 'imstack:rotation.backupPrevious[0]', value: '0' },
      { key: 'imstack:rotation.backup', value: 'b1' },
    ]);
  });

  it('rotation values fit the program pattern and always change', function () {
    const now = new Date('2025-01-01T00:00:00.000Z');
    assert.match(rotationValue(now, undefined), /^[A-Za-z0-9._:+-]{1,64}$/);
    assert.notStrictEqual(rotationValue(now, now.toISOString()), now.toISOString());
  });

  it('rotate all writes all five then runs one up', async function () {
    const h = harness();
    const s = h.workspace.stack('dev');
    const r = await imctl(h, 'rotate', 'all');
    assert.strictEqual(r.code, 0, r.stderr);
    const keys = configWrites(s.calls).map((w) => w.key);
    for (const t of ['postgres', 'redis', 'minio', 'jwt', 'backup']) assert.ok(keys.includes(`imstack:rotation.${t}`), t);
    assert.strictEqual(s.calls.filter((c) => c.op === 'up').length, 1);
  });

  it('--no-up only changes the config', async function () {
    const h = harness();
    const s = h.workspace.stack('dev');
    const r = await imctl(h, 'rotate', 'redis', '--no-up');
    assert.strictEqual(r.code, 0);
    assert.ok(!s.calls.some((c) => c.op === 'up'));
    assert.match(r.stdout, /run `imctl up` to apply/);
  });

  it('an unknown secret is a usage error (3) listing the choices', async function () {
    const r = await imctl(harness(), 'rotate', 'ssh');
    assert.strictEqual(r.code, 3);
    assert.match(r.stderr, /Allowed choices are postgres, redis, minio, jwt, backup, grafana, studio, all/);
  });

  it('a failed up after the config change exits 10 and says how to finish', async function () {
    const h = harness();
    h.workspace.stack('dev').upResult = pulumiError('error: update failed');
    const r = await imctl(h, 'rotate', 'redis');
    assert.strictEqual(r.code, 10);
    assert.match(r.stderr, /rotation config is already changed/);
    assert.match(r.stderr, /hint: fix the cause and run `imctl up`/);
  });

  it('in prod it asks first; a declined rotation changes nothing', async function () {
    const h = harness();
    const s = h.workspace.stack('prod');
    h.prompter = new FakePrompter(true, ['n']);
    const r = await imctl(h, '--stack', 'prod', 'rotate', 'minio');
    assert.strictEqual(r.code, 11);
    assert.deepStrictEqual(configWrites(s.calls), []);
  });

  it('a failing config write exits 10', async function () {
    const h = harness();
    h.workspace.stack('dev').setConfigError = pulumiError('error: could not save config');
    const r = await imctl(h, 'rotate', 'redis');
    assert.strictEqual(r.code, 10);
    assert.match(r.stderr, /config set failed: could not save config/);
  });
});
