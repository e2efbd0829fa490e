// A throwaway PostgreSQL cluster for integration tests: initdb + pg_ctl from the local
// PostgreSQL install, run as the `postgres` OS user (we are usually root), on a random port.
import { execFileSync, spawnSync } from 'child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { freePort } from '../../../support/net';
import { tmpdir } from 'os';
import { join } from 'path';

export const PG_BIN_DIR = process.env.PG_BIN_DIR ?? '/usr/lib/postgresql/15/bin';

export function missingPgReason(): string | null {
  for (const b of ['initdb', 'pg_ctl', 'pg_dump', 'pg_restore']) {
    if (!existsSync(join(PG_BIN_DIR, b))) return `${b} not found in ${PG_BIN_DIR} (install postgresql-15 or set PG_BIN_DIR)`;
  }
  if (process.getuid?.() === 0 && spawnSync('id', ['postgres']).status !== 0) return 'running as root but there is no postgres OS user to run the server';
  return null;
}


export interface PgCluster {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly dir: string;
  stop(): void;
}

function asPostgres(cmd: string, args: string[]): void {
  const isRoot = process.getuid?.() === 0;
  const [file, argv] = isRoot ? ['setpriv', ['--reuid=postgres', '--regid=postgres', '--init-groups', cmd, ...args]] : [cmd, args];
  execFileSync(file, argv, { stdio: 'pipe' });
}

export async function startCluster(): Promise<PgCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'imstack-pg-'));
  const data = join(dir, 'data');
  const password = 'pw-' + Math.random().toString(36).slice(2);
  writeFileSync(join(dir, 'pw'), password);
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, uid, gid);
    chownSync(join(dir, 'pw'), uid, gid);
  }
  chmodSync(dir, 0o700);
  asPostgres(join(PG_BIN_DIR, 'initdb'), ['-D', data, '-U', 'postgres', '--pwfile', join(dir, 'pw'), '--auth=scram-sha-256', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync']);
  const port = await freePort();
  asPostgres(join(PG_BIN_DIR, 'pg_ctl'), ['-D', data, '-l', join(dir, 'log'), '-w', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, 'start']);
  return {
    host: '127.0.0.1',
    port,
    user: 'postgres',
    password,
    dir,
    stop() {
      try {
        asPostgres(join(PG_BIN_DIR, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
