// Containers get their secrets as files (X_FILE names the file holding X; see
// components/secretFiles.ts), so a container's configured environment no longer carries them.
// imctl still needs some (health probes use the backend's credentials; output is redacted with
// the backup job's): this reads each file through the Engine's archive API, as root, without
// running anything in the container.
import type Docker from 'dockerode';
import { extract } from 'tar-stream';

/** Larger than any credential; a bigger file is not a secret this reads. */
const MAX_SECRET_BYTES = 64 * 1024;

/** The content of one regular file in a container, or undefined when it is absent or not a small file. */
export async function readContainerFile(container: Docker.Container, file: string): Promise<string | undefined> {
  let archive: NodeJS.ReadableStream;
  try {
    archive = (await container.getArchive({ path: file })) as unknown as NodeJS.ReadableStream;
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404) return undefined;
    throw e;
  }
  return new Promise((resolve, reject) => {
    const x = extract();
    let body: string | undefined;
    x.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (data) => {
        const c = data as Buffer;
        size += c.length;
        if (size <= MAX_SECRET_BYTES) chunks.push(c);
      });
      stream.on('end', () => {
        if (header.type === 'file' && size <= MAX_SECRET_BYTES && body === undefined) body = Buffer.concat(chunks).toString('utf8');
        next();
      });
      stream.resume();
    });
    x.on('finish', () => resolve(body));
    x.on('error', reject);
    archive.on('error', reject);
    archive.pipe(x);
  });
}

/**
 * `env` with X filled in from the file X_FILE names, for every absolute X_FILE whose X is not
 * set (trailing newlines dropped, as the apps read them). Files that are missing stay unread.
 */
export async function withSecretFiles(container: Docker.Container, env: Record<string, string>): Promise<Record<string, string>> {
  const out = { ...env };
  for (const [key, file] of Object.entries(env)) {
    const name = key.endsWith('_FILE') ? key.slice(0, -'_FILE'.length) : '';
    if (!name || out[name] !== undefined || !file.startsWith('/')) continue;
    const body = await readContainerFile(container, file);
    if (body !== undefined) out[name] = body.replace(/(\r?\n)+$/, '');
  }
  return out;
}
