import { strict as assert } from 'assert';
import { settingsFromEnv } from '../../../automation/backup/config';
import { decryptionKeys } from '../../../automation/backup/context';

describe('backup job settings from the environment', () => {
  const base = { STACK: 'dev', PGPASSWORD: 'pw', S3_ACCESS_KEY: 'a', S3_SECRET_KEY: 's' };

  it('reads BACKUP_PREVIOUS_KEYS as a comma-separated list, current key tried first', () => {
    const s = settingsFromEnv({ ...base, BACKUP_KEY: 'cafe01', BACKUP_PREVIOUS_KEYS: 'beef02, dead03,,' });
    assert.deepEqual(s.ctx.previousKeys, ['beef02', 'dead03']);
    assert.deepEqual(decryptionKeys(s.ctx), ['cafe01', 'beef02', 'dead03']);
  });

  it('without previous keys only the current key is tried; without any key none', () => {
    assert.deepEqual(decryptionKeys(settingsFromEnv({ ...base, BACKUP_KEY: 'cafe01' }).ctx), ['cafe01']);
    assert.deepEqual(decryptionKeys(settingsFromEnv({ ...base, BACKUP_PREVIOUS_KEYS: '' }).ctx), []);
  });

  it('previous keys alone still let an encrypted archive be read after encryption was switched off', () => {
    const s = settingsFromEnv({ ...base, BACKUP_PREVIOUS_KEYS: 'beef02' });
    assert.equal(s.ctx.backupKey, undefined);
    assert.deepEqual(decryptionKeys(s.ctx), ['beef02']);
  });
});
