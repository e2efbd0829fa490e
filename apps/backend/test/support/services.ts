// Real PostgreSQL, Redis and S3 (s3rver) for the integration tests and the benchmark: temporary,
// on random loopback ports, in a temp folder, torn down afterwards.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, chownSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const PG_BIN = process.env.IMSTACK_PG_BIN ?? '/usr/lib/postgresql/15/bin';
export const REDIS_BIN = process.env.IMSTACK_REDIS_BIN ?? 'redis-server';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function which(bin: string): boolean {
  if (bin.includes('/')) return existsSync(bin);
  return spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }).status === 0;
}

/** Why the services cannot start here, or null when everything needed is installed. */
export function missingBinaries(): string | null {
  const missing: string[] = [];
  if (!existsSync(path.join(PG_BIN, 'initdb')) || !existsSync(path.join(PG_BIN, 'pg_ctl'))) missing.push(`PostgreSQL binaries in ${PG_BIN} (apt: postgresql-15)`);
  if (!which(REDIS_BIN)) missing.push(`${REDIS_BIN} (apt: redis-server)`);
  return missing.length ? `missing ${missing.join(' and ')}` : null;
}

export interface Postgres {
  readonly port: number;
  url(database: string): string;
  createDatabase(name: string): Promise<string>;
  /** Aborts every server process at once (immediate shutdown: no checkpoint, clients cut off), as a crash does. */
  crash(): void;
  /** Starts the server again on the same port and data after crash(); it runs crash recovery first. */
  restart(): void;
  stop(): Promise<void>;
}

export async function startPostgres(): Promise<Postgres> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'imstack-backend-pg-'));
  const dataDir = path.join(dir, 'data');
  const port = await freePort();
  // initdb refuses to run as root: run the cluster as the "postgres" system user then.
  const asRoot = process.getuid?.() === 0;
  let prefix: string[] = [];
  if (asRoot) {
    const id = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    if (id.status !== 0) throw new Error('running as root but there is no "postgres" user to own the test cluster');
    const uid = Number(id.stdout.trim());
    const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
    chownSync(dir, uid, gid);
    prefix = ['setpriv', '--reuid=postgres', '--regid=postgres', '--init-groups'];
  }
  const run = (args: string[]) => {
    const [cmd, ...rest] = [...prefix, ...args];
    const r = spawnSync(cmd, rest, { encoding: 'utf8', cwd: dir });
    if (r.status !== 0) throw new Error(`${args[0]} failed: ${r.stderr || r.stdout}`);
  };
  run([path.join(PG_BIN, 'initdb'), '-D', dataDir, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8', '--no-locale']);
  // fsync off is safe for crash() (the kernel keeps what was written), but synchronous_commit must
  // stay on: with it off a commit acknowledged just before crash() could vanish, and the crash test
  // then saw its own conversation gone ("conversation not found") after the restart.
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=200`;
  let running = false;
  const start = () => {
    run([path.join(PG_BIN, 'pg_ctl'), '-D', dataDir, '-o', opts, '-l', path.join(dir, 'log'), '-w', '-t', '30', 'start']);
    running = true;
  };
  const immediateStop = () => {
    if (!running) return;
    run([path.join(PG_BIN, 'pg_ctl'), '-D', dataDir, '-m', 'immediate', '-w', 'stop']);
    running = false;
  };
  start();
  const url = (db: string) => `postgres://postgres@127.0.0.1:${port}/${db}`;
  const { Client } = await import('pg');
  return {
    port,
    url,
    async createDatabase(name: string) {
      const c = new Client({ connectionString: url('postgres') });
      await c.connect();
      try {
        await c.query(`CREATE DATABASE "${name.replace(/"/g, '')}"`);
      } finally {
        await c.end();
      }
      return url(name);
    },
    crash: immediateStop,
    restart: start,
    async stop() {
      try {
        immediateStop();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

export interface RedisServer {
  readonly port: number;
  readonly url: string;
  stop(): Promise<void>;
  /** Starts it again on the same port after stop(). */
  restart(): Promise<void>;
}

export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  const password = randomBytes(12).toString('hex');
  let child: ChildProcess | null = null;
  const start = async () => {
    // The config (with the password) goes in on stdin, never on the command line.
    child = spawn(REDIS_BIN, ['-'], { stdio: ['pipe', 'ignore', 'pipe'] });
    child.stdin!.end(`port ${port}\nbind 127.0.0.1\nsave ""\nappendonly no\nrequirepass ${password}\nprotected-mode no\n`);
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      if (await canConnect(port)) return;
      if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
      await new Promise((r) => setTimeout(r, 30));
    }
    throw new Error('redis-server did not start within 5 s');
  };
  await start();
  return {
    port,
    url: `redis://:${password}@127.0.0.1:${port}/0`,
    async stop() {
      const c = child;
      if (!c || c.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        c.once('exit', () => resolve());
        c.kill('SIGKILL');
      });
    },
    restart: start,
  };
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export interface S3Server {
  readonly port: number;
  readonly accessKey: string;
  readonly secretKey: string;
  stop(): Promise<void>;
}

export async function startS3(): Promise<S3Server> {
  // s3rver ships no types; this is the part of its API we use.
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const S3rver = require('s3rver') as new (opts: object) => { run(): Promise<{ port: number }>; close(): Promise<void> };
  const dir = mkdtempSync(path.join(os.tmpdir(), 'imstack-backend-s3-'));
  writeFileSync(path.join(dir, '.keep'), '');
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: dir, vhostBuckets: false });
  const { port } = await server.run();
  return {
    port,
    accessKey: 'S3RVER',
    secretKey: 'S3RVER',
    async stop() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
