import assert from 'assert';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { fromEnv as settingsFromEnv, SECRET_ENV, withSecretFiles } from '../../../automation/backup/contract';

describe('backup job: secrets from X_FILE', function () {
  let dir: string;
  const file = (name: string, body: string) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, body, { mode: 0o400 });
    return p;
  };

  before(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'imstack-secret-env-'));
  });
  after(function () {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reads every secret variable from its file, without the trailing newline', function () {
    const env: Record<string, string> = { STACK: 'dev', S3_ACCESS_KEY: 'imstack-backup' };
    for (const name of SECRET_ENV) env[`${name}_FILE`] = file(name, `${name.toLowerCase()}-value\n`);
    const out = withSecretFiles(env);
    for (const name of SECRET_ENV) assert.strictEqual(out[name], `${name.toLowerCase()}-value`, name);
    const s = settingsFromEnv(env);
    assert.strictEqual(s.ctx.postgres?.password, 'pgpassword-value');
    assert.strictEqual(s.ctx.s3?.secretKey, 's3_secret_key-value');
    assert.strictEqual(s.ctx.backupKey, 'backup_key-value');
  });

  it('an empty file is an empty value (no earlier backup keys yet)', function () {
    const s = settingsFromEnv({ STACK: 'dev', BACKUP_KEY_FILE: file('k', 'cafe01'), BACKUP_PREVIOUS_KEYS_FILE: file('prev', '') });
    assert.deepStrictEqual(s.ctx.previousKeys, []);
    assert.strictEqual(s.ctx.backupKey, 'cafe01');
  });

  it('refuses a variable given both ways, and names an unreadable file without its content', function () {
    assert.throws(() => withSecretFiles({ PGPASSWORD: 'x', PGPASSWORD_FILE: file('pg', 'y') }), /PGPASSWORD and PGPASSWORD_FILE are both set/);
    assert.throws(() => withSecretFiles({ S3_SECRET_KEY_FILE: path.join(dir, 'missing') }), (e: Error) => /S3_SECRET_KEY_FILE .*missing cannot be read \(ENOENT\)/.test(e.message));
  });

  it('leaves other variables and the plain form alone', function () {
    assert.deepStrictEqual(withSecretFiles({ PGPASSWORD: 'p', STACK: 'dev', SOMETHING_FILE: '/nope' }), { PGPASSWORD: 'p', STACK: 'dev', SOMETHING_FILE: '/nope' });
  });
});
