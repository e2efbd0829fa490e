// A throwaway SeaweedFS for the benches: the real server from the local image
// (scripts/seaweedfs-image.sh, which builds it when needed and makes a second caller wait),
// run the way the program runs it (startSeaweedfsGateway), on a network and a volume of its
// own, reached by container IP from the host. Everything it creates carries com.imstack.live=1
// and com.imstack.stack=<prefix>, and cleanup() removes it by that label, so a run that failed
// half-way, or an earlier run killed outright, leaves nothing behind once cleanup runs.
import { randomBytes } from 'crypto';
import Docker from 'dockerode';
import * as Minio from 'minio';
import { SEAWEEDFS_PORTS, SEAWEEDFS_REGION } from '../components/objectStore/seaweedfsRuntime';
import { seaweedfsS3Config, SeaweedfsCredential } from '../components/objectStore/seaweedfsIdentities';
import { dockerClient } from '../test/live/engine/docker-client';
import { ensureSeaweedfsImage } from '../test/live/images/seaweedfs/image';
import { healthcheck, startSeaweedfsGateway, until } from '../test/live/objectstore/gateway';

export interface BenchSeaweedfs {
  readonly image: string;
  readonly container: Docker.Container;
  /** The container's IP on the bench network, and the S3 port. */
  readonly ip: string;
  readonly port: number;
  readonly bucket: string;
  readonly admin: SeaweedfsCredential;
  readonly app: SeaweedfsCredential;
  /** Where the /data volume's files are on the host (the baseline tars them). */
  readonly mountpoint: string;
  client(who: 'admin' | 'app'): Minio.Client;
  /** docker stop (with the image's grace period) and docker start + healthy: for the baseline's untar. */
  stop(): Promise<void>;
  start(): Promise<void>;
}

export const labelsFor = (prefix: string): Record<string, string> => ({ 'com.imstack.live': '1', 'com.imstack.stack': prefix });

const keys = (who: string): SeaweedfsCredential => ({ accessKey: `${who}-${randomBytes(6).toString('hex')}`, secretKey: randomBytes(24).toString('base64url') });

/** Starts SeaweedFS with one bucket (created by the admin identity, as the bootstrap does). */
export async function startBenchSeaweedfs(prefix: string, bucket: string, log: (l: string) => void = (l) => console.error(l), docker: Docker = dockerClient()): Promise<BenchSeaweedfs> {
  const img = await ensureSeaweedfsImage((l) => log(l));
  const labels = labelsFor(prefix);
  const network = prefix;
  const volume = `${prefix}-data`;
  await docker.createNetwork({ Name: network, Labels: labels });
  await docker.createVolume({ Name: volume, Labels: labels });
  const admin = keys('admin');
  const app = keys('app');
  const gw = await startSeaweedfsGateway(docker, {
    name: `${prefix}-seaweedfs`, image: img.image, labels, network, alias: 'seaweedfs', volume,
    s3Config: JSON.stringify(seaweedfsS3Config(bucket, { app, admin })),
  });
  const client = (who: 'admin' | 'app'): Minio.Client => new Minio.Client({
    endPoint: gw.ip, port: SEAWEEDFS_PORTS.s3, useSSL: false, pathStyle: true, region: SEAWEEDFS_REGION, ...(who === 'admin' ? admin : app),
  });
  await client('admin').makeBucket(bucket, SEAWEEDFS_REGION);
  const mountpoint = (await docker.getVolume(volume).inspect()).Mountpoint;
  return {
    image: img.image, container: gw.container, ip: gw.ip, port: SEAWEEDFS_PORTS.s3, bucket, admin, app, mountpoint, client,
    async stop() {
      await gw.container.stop();
    },
    async start() {
      await gw.container.start();
      await until('the gateway healthcheck passes after a start', async () => {
        const r = await healthcheck(gw.container);
        if (r.code !== 0) throw new Error(`healthcheck exit ${r.code}`);
      }, 90000);
      // The container keeps its IP across a stop and start on a user network, but say so if not.
      const ip = (await gw.container.inspect()).NetworkSettings.Networks[network]?.IPAddress;
      if (ip !== gw.ip) throw new Error(`${prefix}-seaweedfs came back on ${ip}, not ${gw.ip}`);
    },
  };
}

/** Removes every container, network and volume labelled com.imstack.stack=<prefix>. */
export async function cleanup(prefix: string, docker: Docker = dockerClient()): Promise<{ containers: number; networks: number; volumes: number }> {
  const filters = { label: [`com.imstack.stack=${prefix}`] };
  const cs = await docker.listContainers({ all: true, filters });
  // A kill, not the 60 s graceful stop: the data goes with the volume anyway.
  await Promise.allSettled(cs.map((c) => docker.getContainer(c.Id).remove({ force: true })));
  const ns = await docker.listNetworks({ filters });
  await Promise.allSettled(ns.map((n) => docker.getNetwork(n.Id).remove()));
  const vs = (await docker.listVolumes({ filters })).Volumes ?? [];
  await Promise.allSettled(vs.map((v) => docker.getVolume(v.Name).remove({ force: true })));
  return { containers: cs.length, networks: ns.length, volumes: vs.length };
}

/**
 * Runs cleanup on SIGINT/SIGTERM too (a finally block does not run when the process is
 * interrupted); the returned function removes the handlers once the caller's own cleanup ran.
 */
export function cleanupOnSignal(prefixes: readonly string[], also: () => Promise<unknown> = async () => undefined): () => void {
  const handler = (sig: NodeJS.Signals): void => {
    console.error(`\n${sig}: removing the bench's containers, networks and volumes`);
    void Promise.allSettled([also(), ...prefixes.map((p) => cleanup(p))]).then(() => process.exit(130));
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}

/** A name prefix unique to this run, for the labels and the objects' names. */
export const runPrefix = (what: string): string => `imstack-bench-${what}-${process.pid}-${randomBytes(2).toString('hex')}`;
