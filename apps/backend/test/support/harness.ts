// Test helpers: start a real backend over the shared services, and talk to it over HTTP.
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { loadConfig } from '../../src/config';
import { createServer, type Server, type ServerOptions } from '../../src/server';
import { shared, type SharedServices } from './shared';

/** Call from a before() hook: skips the suite (saying why) when the services are absent. */
type FetchBody = NonNullable<NonNullable<Parameters<typeof fetch>[1]>['body']>;

export function needServices(ctx: Mocha.Context): SharedServices {
  if (!shared.services) {
    console.log(`    ${shared.skipReason ?? 'services not started'}`);
    ctx.skip();
  }
  return shared.services!;
}

export const JWT_SECRET = 'test-jwt-secret-0123456789abcdef';

export function baseEnv(s: SharedServices, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    PORT: '4000',
    DATABASE_URL: s.databaseUrl,
    REDIS_URL: s.redis.url,
    S3_ENDPOINT: '127.0.0.1',
    S3_PORT: String(s.s3.port),
    S3_USE_SSL: 'false',
    S3_ACCESS_KEY: s.s3.accessKey,
    S3_SECRET_KEY: s.s3.secretKey,
    S3_BUCKET: 'imstack-test',
    JWT_SECRET,
    PUBLIC_URL: 'http://localhost:4000',
    UPLOAD_MAX_MB: '1',
    LOG_LEVEL: process.env.TEST_LOG ?? 'silent',
    ...overrides,
  };
}

export interface RunningApp {
  readonly url: string;
  /** Base URL of the separate /metrics listener (an ephemeral port, like the app's); null when METRICS_PORT is off. */
  readonly metricsUrl: string | null;
  readonly server: Server;
  close(): Promise<void>;
}

export async function startApp(s: SharedServices, overrides: Record<string, string> = {}, opts: Pick<ServerOptions, 'deletionSweepIntervalMs'> = {}): Promise<RunningApp> {
  const config = loadConfig(baseEnv(s, overrides));
  const server = await createServer(config, { logger: process.env.TEST_LOG ? undefined : false, startupTimeoutMs: 5000, ...opts });
  const address = await server.app.listen({ port: 0, host: '127.0.0.1' });
  const metricsUrl = server.metrics ? await server.metrics.listen(0, '127.0.0.1') : null;
  return { url: address, metricsUrl, server, close: () => server.close() };
}

export interface ApiResponse<T = any> {
  readonly status: number;
  readonly body: T;
  readonly text: string;
  readonly headers: Headers;
}

export async function api<T = any>(
  base: string,
  method: string,
  path: string,
  opts: { token?: string; json?: unknown; body?: FetchBody; headers?: Record<string, string> } = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body: FetchBody | undefined = opts.body;
  if (opts.json !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = JSON.stringify(opts.json);
  }
  const res = await fetch(base + path, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = undefined;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, body: parsed as T, text, headers: res.headers };
}

export interface TestUser {
  readonly id: string;
  readonly username: string;
  readonly accessToken: string;
  readonly refreshToken: string;
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`.slice(0, 32);
}

export async function register(base: string, username = uniqueName('u'), password = 'correct horse battery'): Promise<TestUser> {
  const r = await api(base, 'POST', '/api/auth/register', { json: { username, password } });
  if (r.status !== 201) throw new Error(`register ${username} failed: ${r.status} ${r.text}`);
  return { id: r.body.user.id, username, accessToken: r.body.accessToken, refreshToken: r.body.refreshToken };
}

export async function groupWith(base: string, owner: TestUser, members: TestUser[], title = 'test group'): Promise<string> {
  const r = await api(base, 'POST', '/api/conversations', { token: owner.accessToken, json: { type: 'group', title, memberIds: members.map((m) => m.id) } });
  if (r.status !== 201) throw new Error(`create conversation failed: ${r.status} ${r.text}`);
  return r.body.id;
}

/** What `imctl admin grant` does (src/admin-cli.ts), straight in SQL: tests need it often and fast. */
export async function setRole(databaseUrl: string, username: string, role: 'user' | 'admin'): Promise<void> {
  const c = new Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    const r = await c.query('UPDATE users SET role = $2 WHERE username = $1', [username, role]);
    if (r.rowCount !== 1) throw new Error(`no user ${username} to make ${role}`);
  } finally {
    await c.end();
  }
}

/** A new user granted the admin role by the operator, then signed in: the login answer. */
export async function admin(base: string, databaseUrl: string): Promise<ApiResponse> {
  const password = 'admin-password-1';
  const username = uniqueName('ops-admin');
  await register(base, username, password);
  await setRole(databaseUrl, username, 'admin');
  return api(base, 'POST', '/api/auth/login', { json: { username, password } });
}

export function form(name: string, type: string, content: string | Uint8Array, field = 'file'): FormData {
  const fd = new FormData();
  fd.append(field, new Blob([content], { type }), name);
  return fd;
}
