// The object store under the backup bench, and its baseline: a tar of the store's own files and
// an untar back. seaweedfs (the default engine): the real server in a container, its /data
// volume's files read on the host through the volume's mountpoint, tarred and untarred with
// the server stopped (its filer store and volume indexes are only consistent at rest). s3rver
// (what the bench ran on before): in this process, its bucket folder tarred in place.
import { mkdirSync, readdirSync, rmSync } from 'fs';
import { join } from 'path';
import type { S3Target } from '../automation/backup/objects';
import { startS3 } from '../test/unit/backup/support/s3-server';
import { cleanup, startBenchSeaweedfs } from './seaweedfs';

export type StoreKind = 'seaweedfs' | 's3rver';
export const STORE_KINDS: readonly StoreKind[] = ['seaweedfs', 's3rver'];

/** A timed command, as bench/backup.ts measures them. */
export type Timed = (cmd: string, args: string[]) => Promise<{ s: number; rssMb: number }>;

export interface BaselineRestore {
  untar: { s: number; rssMb: number };
  /** Seconds to stop the server before the untar and to have it healthy after (0 for s3rver). */
  stopS: number;
  startS: number;
}

export interface BenchStore {
  readonly kind: StoreKind;
  /** What the engine and the bench's seeding use: the admin identity on seaweedfs, as the backup job has. */
  readonly target: S3Target;
  tar(file: string, timed: Timed): Promise<{ s: number; rssMb: number; stopS: number; startS: number }>;
  untar(file: string, timed: Timed): Promise<BaselineRestore>;
  stop(): Promise<void>;
}

const since = (t: number): number => (Date.now() - t) / 1000;

/** `prefix` labels what a seaweedfs store creates (cleanup(prefix) removes it, also after a failed start). */
export async function startStore(kind: StoreKind, bucket: string, prefix: string, log: (l: string) => void): Promise<BenchStore> {
  if (kind === 's3rver') {
    const s3 = await startS3(bucket);
    const dir = join(s3.dir, bucket);
    return {
      kind, target: s3.target,
      async tar(file, timed) {
        return { ...(await timed('tar', ['-C', dir, '-cf', file, '.'])), stopS: 0, startS: 0 };
      },
      // s3rver reads every request from its files (no cache), so it stays up while its folder is
      // emptied and untarred back (as a restore of a volume would).
      async untar(file, timed) {
        rmSync(dir, { recursive: true, force: true });
        mkdirSync(dir);
        return { untar: await timed('tar', ['-C', dir, '-xf', file]), stopS: 0, startS: 0 };
      },
      stop: () => s3.stop(),
    };
  }
  try {
    const sw = await startBenchSeaweedfs(prefix, bucket, log);
    const dir = sw.mountpoint;
    const stopped = async <T>(fn: () => Promise<T>): Promise<T & { stopS: number; startS: number }> => {
      let t = Date.now();
      await sw.stop();
      const stopS = since(t);
      const r = await fn();
      t = Date.now();
      await sw.start();
      return { ...r, stopS, startS: since(t) };
    };
    return {
      kind,
      target: { endPoint: sw.ip, port: sw.port, useSSL: false, accessKey: sw.admin.accessKey, secretKey: sw.admin.secretKey, bucket, region: 'us-east-1' },
      tar: (file, timed) => stopped(() => timed('tar', ['-C', dir, '-cf', file, '.'])),
      async untar(file, timed) {
        // GNU tar run as root keeps the files' owner (the image's seaweed user) on extraction.
        return stopped(async () => {
          for (const f of readdirSync(dir)) rmSync(join(dir, f), { recursive: true, force: true });
          return { untar: await timed('tar', ['-C', dir, '-xf', file]) };
        });
      },
      async stop() {
        await cleanup(prefix);
      },
    };
  } catch (e) {
    await cleanup(prefix);
    throw e;
  }
}
