// An in-process S3 endpoint (s3rver) standing in for MinIO in integration tests.
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import type { S3Target } from '../../../../automation/backup/objects';

// s3rver ships no types; this is the part we use.
interface S3rverInstance {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
}
type S3rverCtor = new (opts: Record<string, unknown>) => S3rverInstance;

export interface S3Server {
  readonly target: S3Target;
  /** s3rver's storage directory (one folder per bucket): the bench's tar baseline reads it. */
  readonly dir: string;
  stop(): Promise<void>;
}

export async function startS3(bucket: string): Promise<S3Server> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const S3rver = require('s3rver') as S3rverCtor;
  const dir = mkdtempSync(join(tmpdir(), 'imstack-s3-'));
  const srv = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: dir, vhostBuckets: false, configureBuckets: [{ name: bucket }] });
  const { port } = await srv.run();
  return {
    target: { endPoint: '127.0.0.1', port, useSSL: false, accessKey: 'S3RVER', secretKey: 'S3RVER', bucket },
    dir,
    async stop() {
      await srv.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
