// Looking inside a running stack's containers from a test: a command's exit code and output,
// a file with its mode and owner (through the Engine's archive API, so no shell is needed in the
// image), the configured environment, and the S3 identity a container reads.
import type Docker from 'dockerode';
import { extract } from 'tar-stream';
import { demux } from '../engine/resources/container';

/** Runs `cmd` in `container`; the exit code and the demultiplexed output. */
export async function execIn(docker: Docker, container: string, cmd: string[]): Promise<{ code: number; out: string }> {
  const exec = await docker.getContainer(container).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({});
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve());
    stream.on('error', reject);
  });
  const info = await exec.inspect();
  return { code: info.ExitCode ?? -1, out: demux(Buffer.concat(chunks)) };
}

/** A file inside a container with its mode and owner, read through the Engine's archive API. */
export async function containerFile(docker: Docker, container: string, file: string): Promise<{ body: string; mode: number; uid: number }> {
  const archive = await docker.getContainer(container).getArchive({ path: file });
  return new Promise((resolve, reject) => {
    const x = extract();
    let found: { body: string; mode: number; uid: number } | undefined;
    x.on('entry', (h, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c) => chunks.push(c as Buffer));
      stream.on('end', () => {
        if (h.type === 'file') found = { body: Buffer.concat(chunks).toString('utf8'), mode: (h.mode ?? 0) & 0o7777, uid: h.uid ?? -1 };
        next();
      });
      stream.resume();
    });
    x.on('finish', () => (found ? resolve(found) : reject(new Error(`${container}:${file} is not a file`))));
    x.on('error', reject);
    (archive as unknown as NodeJS.ReadableStream).pipe(x);
  });
}

export function envOf(info: Docker.ContainerInspectInfo): Map<string, string> {
  return new Map((info.Config.Env ?? []).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
}


/** The S3 credentials a container reads (its *_FILE secrets), as the app or job sees them. */
export async function containerS3Credentials(docker: Docker, container: string): Promise<{ accessKey: string; secretKey: string; bucket: string }> {
  const env = envOf(await docker.getContainer(container).inspect());
  const secretFile = env.get('S3_SECRET_KEY_FILE');
  const secretKey = secretFile ? (await containerFile(docker, container, secretFile)).body.trim() : env.get('S3_SECRET_KEY') ?? '';
  return { accessKey: env.get('S3_ACCESS_KEY') ?? '', secretKey, bucket: env.get('S3_BUCKET') ?? 'imstack' };
}
