// Shared set-up for the integration tests: one PostgreSQL cluster and one S3 endpoint per
// suite, a fresh backups directory per test, and the skip-or-fail rule for missing binaries.
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import type { Context } from 'mocha';
import type { BackupContext } from '../../../../automation/backup/context';
import { missingPgReason, PG_BIN_DIR, PgCluster, startCluster } from './pg-cluster';
import { S3Server, startS3 } from './s3-server';
import type { PgConnection } from '../../../../automation/backup/postgres';

export function skipOrFail(ctx: Context, reason: string | null): void {
  if (!reason) return;
  if (process.env.CI === 'true') throw new Error(`required for this test in CI: ${reason}`);
  console.log(`      skipped: ${reason}`);
  ctx.skip();
}

export interface Env {
  pg: PgCluster;
  s3: S3Server;
  conn: PgConnection;
  dirs: string[];
  ctx(overrides?: Partial<BackupContext>): BackupContext;
  stop(): Promise<void>;
}

let counter = 0;

export async function startEnv(stack = 'test'): Promise<Env> {
  const pg = await startCluster();
  const s3 = await startS3('imstack');
  const conn: PgConnection = { host: pg.host, port: pg.port, user: pg.user, password: pg.password, database: `imstack${++counter}`, binDir: PG_BIN_DIR };
  const dirs: string[] = [];
  return {
    pg,
    s3,
    conn,
    dirs,
    ctx(overrides = {}) {
      const backupDir = mkdtempSync(join(tmpdir(), 'imstack-backups-'));
      dirs.push(backupDir);
      return { stack, backupDir, backupKey: 'test-backup-key-0123456789', postgres: conn, s3: s3.target, ...overrides };
    },
    async stop() {
      await s3.stop().catch(() => undefined);
      pg.stop();
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    },
  };
}

export { missingPgReason };
