// Probes over the real client libraries. Every client is closed before returning so the
// CLI process can exit.
import * as fs from 'fs';
import * as net from 'net';
import { Client as PgClient } from 'pg';
import Redis from 'ioredis';
import * as Minio from 'minio';
import { MAINTENANCE_FLAG } from '../backup/contract';
import { realExec } from '../jobClient/factory';
import { execJob } from '../jobClient/protocol';
import { amtoolQuery } from './alerts';
import type { BackupStatusAnswer, BucketTarget, DiskSpace, FlagAnswer, HttpAnswer, PgTarget, Probes, RedisTarget } from './probes';

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

export const realProbes: Probes = {
  async postgres(target: PgTarget, timeoutMs: number): Promise<string> {
    const client = new PgClient({ ...target, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs });
    // pg emits 'error' on the client for a connection dropped later; handled to avoid a crash.
    client.on('error', () => undefined);
    try {
      await client.connect();
      const r = await client.query<{ v: string }>("select current_setting('server_version') as v");
      return r.rows[0].v;
    } finally {
      await client.end().catch(() => undefined);
    }
  },

  async redis(target: RedisTarget, timeoutMs: number): Promise<void> {
    const client = new Redis({
      host: target.host,
      port: target.port,
      password: target.password,
      db: target.db ?? 0,
      lazyConnect: true,
      connectTimeout: timeoutMs,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      enableOfflineQueue: false,
    });
    client.on('error', () => undefined);
    try {
      await withTimeout(client.connect(), timeoutMs, 'redis connect');
      const pong = await withTimeout(client.ping(), timeoutMs, 'redis PING');
      if (pong !== 'PONG') throw new Error(`PING answered ${pong}`);
    } finally {
      client.disconnect();
    }
  },

  async bucket(target: BucketTarget, timeoutMs: number): Promise<boolean> {
    const client = new Minio.Client({
      endPoint: target.endPoint,
      port: target.port,
      useSSL: target.useSSL,
      accessKey: target.accessKey,
      secretKey: target.secretKey,
      region: target.region,
      pathStyle: true,
    });
    return withTimeout(client.bucketExists(target.bucket), timeoutMs, 'bucket check');
  },

  async http(url: string, timeoutMs: number): Promise<HttpAnswer> {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    return { status: res.status, body: (await res.text()).slice(0, 4096) };
  },

  tcp(host: string, port: number, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const socket = net.connect({ host, port });
      const done = (ok: boolean): void => {
        socket.destroy();
        resolve(ok);
      };
      socket.setTimeout(timeoutMs, () => done(false));
      socket.once('connect', () => done(true));
      socket.once('error', () => done(false));
    });
  },

  async disk(path: string): Promise<DiskSpace | null> {
    try {
      const s = await fs.promises.statfs(path);
      return { freeBytes: s.bavail * s.bsize, totalBytes: s.blocks * s.bsize };
    } catch {
      return null;
    }
  },

  async backupStatus(containerId: string, timeoutMs: number): Promise<BackupStatusAnswer> {
    const { result, error, code } = await withTimeout(execJob(realExec(), containerId, ['status']), timeoutMs, 'backup status');
    if (!result) throw new Error(`backup status exited ${code}${error?.message ? `: ${error.message}` : ''}`);
    return result.data;
  },

  async maintenanceFlag(containerId: string, timeoutMs: number): Promise<FlagAnswer | null> {
    const out: string[] = [];
    // Exit 1 with "No such file" is the normal "not set"; anything else is a failure to read it.
    const { code, stderr } = await execIn(containerId, ['stat', '-c', '%Y', MAINTENANCE_FLAG], timeoutMs, 'maintenance flag', (text) => void out.push(text));
    if (code === 0 && /^\d+$/.test(out.join('').trim())) return { since: new Date(Number(out.join('').trim()) * 1000).toISOString() };
    if (code !== 0 && /no such file/i.test(stderr)) return null;
    throw new Error(`stat ${MAINTENANCE_FLAG} exited ${code}${stderr ? `: ${stderr.slice(0, 200)}` : ''}`);
  },

  async alertmanagerAlerts(containerId: string, timeoutMs: number): Promise<string> {
    const out: string[] = [];
    const { code, stderr } = await execIn(containerId, amtoolQuery(timeoutMs), timeoutMs, 'amtool alert query', (text) => void out.push(text));
    // amtool prefixes its errors with "amtool: error: "; the rest names the cause (connection refused, timeout).
    if (code !== 0) throw new Error(`amtool exited ${code}${stderr ? `: ${stderr.replace(/^amtool: error: /, '').slice(0, 200)}` : ''}`);
    return out.join('\n');
  },
};

/** Runs cmd in a container (bounded by timeoutMs); stdout lines go to onLine, stderr is collected. */
async function execIn(containerId: string, cmd: string[], timeoutMs: number, what: string, onLine: (text: string) => void): Promise<{ code: number; stderr: string }> {
  const stderr: string[] = [];
  const code = await withTimeout(
    realExec().run(containerId, cmd, { stdin: false }, (l) => (l.stream === 'stdout' ? onLine(l.text) : void stderr.push(l.text))),
    timeoutMs,
    what,
  );
  return { code, stderr: stderr.join(' ') };
}
