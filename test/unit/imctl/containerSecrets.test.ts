import assert from 'assert';
import type Docker from 'dockerode';
import { pack } from 'tar-stream';
import { readContainerFile, withSecretFiles } from '../../../automation/docker/secretFiles';

/** A container whose archive API serves `files` (path -> content), like the Engine's GET /archive. */
function fakeContainer(files: Record<string, string>): Docker.Container {
  return {
    getArchive: async ({ path }: { path: string }) => {
      if (!(path in files)) throw Object.assign(new Error('no such file'), { statusCode: 404 });
      const p = pack();
      p.entry({ name: path.split('/').pop()!, mode: 0o400 }, files[path]);
      p.finalize();
      return p;
    },
  } as unknown as Docker.Container;
}

describe('imctl: secrets from a container\'s X_FILE files', function () {
  it('fills X from the file X_FILE names, as the apps read it', async function () {
    const c = fakeContainer({ '/run/secrets/database-url': 'postgres://u:pw@postgres:5432/imstack\n', '/run/secrets/s3-secret-key': 's3secret' });
    const env = await withSecretFiles(c, { DATABASE_URL_FILE: '/run/secrets/database-url', S3_SECRET_KEY_FILE: '/run/secrets/s3-secret-key', PORT: '4000' });
    assert.strictEqual(env.DATABASE_URL, 'postgres://u:pw@postgres:5432/imstack');
    assert.strictEqual(env.S3_SECRET_KEY, 's3secret');
    assert.strictEqual(env.PORT, '4000');
  });

  it('keeps a value set in the environment, and skips relative or missing files', async function () {
    const c = fakeContainer({ '/run/secrets/x': 'from-file' });
    const env = await withSecretFiles(c, { X: 'plain', X_FILE: '/run/secrets/x', MINIO_ROOT_USER_FILE: 'access_key', GONE_FILE: '/run/secrets/gone' });
    assert.strictEqual(env.X, 'plain');
    assert.ok(!('MINIO_ROOT_USER' in env) && !('GONE' in env), JSON.stringify(Object.keys(env)));
    assert.strictEqual(await readContainerFile(c, '/run/secrets/gone'), undefined);
  });
});
