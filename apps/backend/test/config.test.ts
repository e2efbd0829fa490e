import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../src/config';

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
  });

  it('parses ADMIN_USERNAMES, STORAGE_DRIVER and UPLOAD_MAX_MB', () => {
    const c = loadConfig({ ...GOOD, ADMIN_USERNAMES: ' Alice, bob ,,', STORAGE_DRIVER: 'file', UPLOAD_MAX_MB: '3', S3_USE_SSL: 'true' });
    assert.deepEqual([...c.adminUsernames], ['alice', 'bob']);
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
});
