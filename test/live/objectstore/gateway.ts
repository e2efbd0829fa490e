// Running the real SeaweedFS server from a test, the way the program runs it (the arguments,
// the identities file, the user, the healthcheck): the gateway container, and the small Engine
// helpers its tests share.
import type Docker from 'dockerode';
import { demux } from '../engine/resources/container';
import { SEAWEEDFS_UID } from '../../../components/objectStore/seaweedfsIdentities';
import { SECRET_FILE_MODE } from '../../../components/secretFiles';
import {
  SEAWEEDFS_HEALTHCHECK, SEAWEEDFS_PORTS, SEAWEEDFS_S3_CONFIG_PATH, SEAWEEDFS_STOP_GRACE_SECONDS, seaweedfsServerArgs,
} from '../../../components/objectStore/seaweedfsRuntime';

const SECRET_MODE = parseInt(SECRET_FILE_MODE, 8);

/** A tar holding one file, for putArchive at / (what the provider's `uploads` does). */
export async function oneFileTar(file: string, content: string, mode: number, uid: number): Promise<NodeJS.ReadableStream> {
  const { pack } = await import('tar-stream');
  const p = pack();
  p.entry({ name: file.replace(/^\//, ''), mode, uid, gid: uid }, content);
  p.finalize();
  return p as unknown as NodeJS.ReadableStream;
}

/** Retries fn every 250 ms until it resolves; bounded by count and time. */
export async function until<T>(what: string, fn: () => Promise<T>, timeoutMs = 60000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (let i = 0; i < 1000 && Date.now() < deadline; i++) {
    try {
      return await fn();
    } catch (e) {
      last = e;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(`${what} within ${timeoutMs / 1000}s: ${(last as Error)?.message ?? last}`);
}

export async function execOut(c: Docker.Container, cmd: string[]): Promise<{ code: number; out: string }> {
  const ex = await c.exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = await ex.start({});
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => { stream.on('data', (d: Buffer) => chunks.push(d)); stream.on('end', resolve); stream.on('error', reject); });
  return { code: (await ex.inspect()).ExitCode ?? -1, out: demux(Buffer.concat(chunks)) };
}

/** The healthcheck exactly as the program declares it (CMD-SHELL), run inside the container. */
export const healthcheck = (c: Docker.Container) => execOut(c, ['/bin/sh', '-c', SEAWEEDFS_HEALTHCHECK[1]]);

export async function logsOf(c: Docker.Container): Promise<string> {
  return demux((await c.logs({ stdout: true, stderr: true })) as unknown as Buffer);
}

export interface GatewayOptions {
  readonly name: string;
  readonly image: string;
  readonly labels: Record<string, string>;
  /** A network the test created; the gateway joins it under `alias`. */
  readonly network: string;
  readonly alias: string;
  /** A volume for /data (the test's); none means the container's own layer. */
  readonly volume?: string;
  /** The identities file (seaweedfsS3Config as JSON): uploaded 0400, the seaweed user's. */
  readonly s3Config: string;
  /** Host address and port to publish the S3 port on, for clients on other networks. */
  readonly publish?: { readonly hostIp: string; readonly hostPort: number };
}

/** Starts the gateway and waits for its own healthcheck; its IP on `network`. */
export async function startSeaweedfsGateway(docker: Docker, o: GatewayOptions): Promise<{ container: Docker.Container; ip: string }> {
  const s3Port = `${SEAWEEDFS_PORTS.s3}/tcp`;
  const c = await docker.createContainer({
    name: o.name,
    Image: o.image,
    Cmd: seaweedfsServerArgs(),
    Labels: o.labels,
    // Runs as the image's seaweed user from the start, with no capabilities: the entrypoint
    // then skips its chown and su-exec, and a fresh volume inherits the image's /data owner.
    User: `${SEAWEEDFS_UID}:${SEAWEEDFS_UID}`,
    StopTimeout: SEAWEEDFS_STOP_GRACE_SECONDS,
    ...(o.publish ? { ExposedPorts: { [s3Port]: {} } } : {}),
    HostConfig: {
      NetworkMode: o.network,
      ...(o.volume ? { Mounts: [{ Type: 'volume' as const, Source: o.volume, Target: '/data' }] } : {}),
      ...(o.publish ? { PortBindings: { [s3Port]: [{ HostIp: o.publish.hostIp, HostPort: String(o.publish.hostPort) }] } } : {}),
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
    },
    NetworkingConfig: { EndpointsConfig: { [o.network]: { Aliases: [o.alias] } } },
  });
  // The keys are in the file only (mode 0400, the seaweed user's), never in the environment.
  await c.putArchive(await oneFileTar(SEAWEEDFS_S3_CONFIG_PATH, o.s3Config, SECRET_MODE, SEAWEEDFS_UID), { path: '/' });
  await c.start();
  await until('the gateway healthcheck passes', async () => {
    const r = await healthcheck(c);
    if (r.code !== 0) throw new Error(`healthcheck exit ${r.code}: ${r.out.trim()}`);
  }, 90000).catch(async (e: Error) => { throw new Error(`${e.message}\n--- logs ---\n${(await logsOf(c)).slice(-3000)}`); });
  return { container: c, ip: (await c.inspect()).NetworkSettings.Networks[o.network].IPAddress };
}
