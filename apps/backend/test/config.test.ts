import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig, SECRET_VARIABLES } from '../src/config';

const GOOD = {
  DATABASE_URL: 'postgres://imstack_app:pg-secret-value@postgres:5432/imstack',
  REDIS_URL: 'redis://:redis-secret-value@redis:6379/0',
  S3_ENDPOINT: 'minio',
  S3_ACCESS_KEY: 'app',
  S3_SECRET_KEY: 's3-secret-value',
  S3_BUCKET: 'imstack',
  JWT_SECRET: 'jwt-secret-value-0123456789',
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return [...err.problems];
  }
  assert.fail('expected a ConfigError');
}

describe('config (environment contract)', () => {
  it('applies documented defaults', () => {
    const c = loadConfig(GOOD);
    assert.equal(c.port, 4000);
    assert.equal(c.s3.port, 9000);
    assert.equal(c.s3.useSSL, false);
    assert.equal(c.s3.region, 'us-east-1');
    assert.equal(c.storageDriver, 'postgres');
    assert.equal(c.uploadMaxBytes, 10 * 1024 * 1024);
    assert.equal(c.jwtSecretPrevious, null);
    assert.equal(c.publicUrl, 'http://localhost:4000');
    assert.equal(c.metricsPort, 9464);
  });

  it('METRICS_PORT: a port, or 0 / off for no metrics listener; anything else names the variable', () => {
    assert.equal(loadConfig({ ...GOOD, METRICS_PORT: '9100' }).metricsPort, 9100);
    for (const off of ['0', 'off', 'OFF']) assert.equal(loadConfig({ ...GOOD, METRICS_PORT: off }).metricsPort, null, off);
    for (const bad of ['abc', '-1', '65536', '94 64', 'on']) {
      const problems = problemsOf({ ...GOOD, METRICS_PORT: bad });
      assert.deepEqual(problems, [`METRICS_PORT must be a port from 1 to 65535, or 0 or off to disable the metrics listener (got "${bad.trim()}")`]);
    }
    assert.deepEqual(problemsOf({ ...GOOD, PORT: '9000', METRICS_PORT: '9000' }), ['METRICS_PORT must differ from PORT (both are 9000): the app port never serves /metrics']);
    assert.deepEqual(problemsOf({ ...GOOD, PORT: '9464' }), ['METRICS_PORT (default 9464) must differ from PORT (both are 9464): the app port never serves /metrics']);
  });

  it('parses STORAGE_DRIVER, UPLOAD_MAX_MB and S3_USE_SSL', () => {
    const c = loadConfig({ ...GOOD, STORAGE_DRIVER: 'file', UPLOAD_MAX_MB: '3', S3_USE_SSL: 'true' });
    assert.equal(c.storageDriver, 'file');
    assert.equal(c.uploadMaxBytes, 3 * 1024 * 1024);
    assert.equal(c.s3.useSSL, true);
  });

  it('lists every problem at once when the environment is empty', () => {
    const problems = problemsOf({});
    for (const name of ['DATABASE_URL', 'REDIS_URL', 'S3_ENDPOINT', 'S3_ACCESS_KEY', 'S3_SECRET_KEY', 'S3_BUCKET', 'JWT_SECRET']) {
      assert.ok(problems.some((p) => p.startsWith(name)), `no problem reported for ${name}: ${problems.join('; ')}`);
    }
  });

  it('rejects malformed values and never echoes secrets', () => {
    const env = {
      ...GOOD,
      PORT: 'eighty',
      DATABASE_URL: 'not a url with pg-secret-value',
      REDIS_URL: 'http://:redis-secret-value@redis',
      STORAGE_DRIVER: 'mongo',
      UPLOAD_MAX_MB: '0',
      LOG_LEVEL: 'loud',
      JWT_SECRET: 'short',
      S3_ENDPOINT: 'http://minio:9000',
    };
    const problems = problemsOf(env);
    assert.ok(problems.length >= 8, problems.join('; '));
    const text = new ConfigError(problems).message;
    for (const secret of ['pg-secret-value', 'redis-secret-value', 'short', 's3-secret-value']) {
      assert.ok(!text.includes(secret), `config error leaks "${secret}": ${text}`);
    }
  });

  it('refuses ADMIN_USERNAMES: the admin role comes from `imctl admin grant`, never from a name someone can register', () => {
    const problems = problemsOf({ ...GOOD, ADMIN_USERNAMES: 'admin' });
    assert.equal(problems.length, 1, problems.join('; '));
    assert.match(problems[0], /^ADMIN_USERNAMES is no longer supported/);
    assert.match(problems[0], /imctl admin grant <user>/);
    // Set but empty is what an older imstack passed by default: nothing to migrate.
    assert.doesNotThrow(() => loadConfig({ ...GOOD, ADMIN_USERNAMES: '' }));
  });

  describe('X_FILE: secrets read from files', () => {
    let dir: string;
    before(() => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'imstack-config-'));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));
    const file = (name: string, content: string): string => {
      const p = path.join(dir, name);
      writeFileSync(p, content, { mode: 0o400 });
      return p;
    };

    it('reads every secret variable from its _FILE, trailing newline trimmed', () => {
      assert.deepEqual([...SECRET_VARIABLES].sort(), ['DATABASE_URL', 'JWT_SECRET', 'JWT_SECRET_PREVIOUS', 'REDIS_URL', 'S3_ACCESS_KEY', 'S3_SECRET_KEY']);
      const env: Record<string, string> = { S3_ENDPOINT: 'minio', S3_BUCKET: 'imstack' };
      for (const name of SECRET_VARIABLES) env[`${name}_FILE`] = file(name, `${name === 'JWT_SECRET_PREVIOUS' ? 'previous-jwt-secret-0123' : (GOOD as Record<string, string>)[name]}\n`);
      const c = loadConfig(env);
      assert.equal(c.databaseUrl, GOOD.DATABASE_URL);
      assert.equal(c.redisUrl, GOOD.REDIS_URL);
      assert.equal(c.s3.accessKey, GOOD.S3_ACCESS_KEY);
      assert.equal(c.s3.secretKey, GOOD.S3_SECRET_KEY);
      assert.equal(c.jwtSecret, GOOD.JWT_SECRET);
      assert.equal(c.jwtSecretPrevious, 'previous-jwt-secret-0123');
    });

    it('keeps a value without a trailing newline, and a CRLF ending is trimmed too', () => {
      const c = loadConfig({ ...GOOD, JWT_SECRET: '', JWT_SECRET_FILE: file('jwt-crlf', 'crlf-jwt-secret-0123456\r\n'), S3_SECRET_KEY: '', S3_SECRET_KEY_FILE: file('s3-plain', 's3-plain-secret') });
      assert.equal(c.jwtSecret, 'crlf-jwt-secret-0123456');
      assert.equal(c.s3.secretKey, 's3-plain-secret');
    });

    it('an empty file leaves an optional variable unset, and is a problem for a required one', () => {
      const c = loadConfig({ ...GOOD, JWT_SECRET_PREVIOUS_FILE: file('previous-empty', '\n') });
      assert.equal(c.jwtSecretPrevious, null);
      assert.deepEqual(problemsOf({ ...GOOD, JWT_SECRET: '', JWT_SECRET_FILE: file('jwt-empty', '') }), [`JWT_SECRET_FILE: ${path.join(dir, 'jwt-empty')} is empty`]);
    });

    it('refuses a variable set both ways, naming both and neither value', () => {
      const problems = problemsOf({ ...GOOD, JWT_SECRET_FILE: file('jwt-both', 'other-jwt-secret-value-123\n') });
      assert.deepEqual(problems, ['JWT_SECRET and JWT_SECRET_FILE are both set; set only one of them']);
    });

    it('names a missing, unreadable or empty file without printing any secret', () => {
      const empty = file('empty', '\n');
      const unreadable = file('unreadable', 'unreadable-secret-value');
      chmodSync(unreadable, 0o000);
      const rootCanRead = process.getuid?.() === 0;
      const problems = problemsOf({
        ...GOOD,
        DATABASE_URL: '',
        DATABASE_URL_FILE: path.join(dir, 'does-not-exist'),
        REDIS_URL: '',
        REDIS_URL_FILE: empty,
        ...(rootCanRead ? {} : { S3_SECRET_KEY: '', S3_SECRET_KEY_FILE: unreadable }),
      });
      assert.ok(problems.some((p) => p.startsWith(`DATABASE_URL_FILE: cannot read ${path.join(dir, 'does-not-exist')} (ENOENT`)), problems.join('; '));
      assert.ok(problems.some((p) => p === `REDIS_URL_FILE: ${empty} is empty`), problems.join('; '));
      if (!rootCanRead) assert.ok(problems.some((p) => p.startsWith(`S3_SECRET_KEY_FILE: cannot read ${unreadable} (EACCES`)), problems.join('; '));
      assert.ok(!new ConfigError(problems).message.includes('unreadable-secret-value'));
    });

    it('checks a value read from a file like the variable itself (a malformed URL is not echoed)', () => {
      const problems = problemsOf({ ...GOOD, DATABASE_URL: '', DATABASE_URL_FILE: file('bad-url', 'mysql://u:file-secret-pw@db/x\n') });
      assert.deepEqual(problems, ['DATABASE_URL must use postgres:// or postgresql:// (got "mysql:")']);
    });
  });
});
