// What the end-to-end suites (test/live/e2e, test/browser) share: a throwaway project folder
// per stack name (so they never collide with the other live suites), bring-up with free
// ports, and a small typed client for the app's HTTP API (docs/api.md) through nginx.
import fs from 'fs';
import net from 'net';
import path from 'path';
import type Docker from 'dockerode';
import { LiveStack, runStack } from '../engine/run-stack';
import { teardownStack } from '../engine/teardown';
import { DevPorts, extraCaBuildArgs, freeDevPorts, freePort, liveStackOverrides } from '../support';

export const ROOT = path.resolve(__dirname, '../../..');
export const ARTIFACTS = path.join(ROOT, 'test-artifacts');
const PROGRAM = path.join(ROOT, 'index.ts');

/**
 * A project folder holding the repo's Pulumi.yaml and Pulumi.<base>.yaml copied as
 * Pulumi.<stack>.yaml; the program is still the repo's index.ts. It lives inside the repo so
 * the forked runner resolves ts-node and @pulumi from the root node_modules.
 */
export function scratchProject(stack: string, base: 'dev' | 'prod'): string {
  const dir = path.join(__dirname, '.scratch', stack);
  fs.mkdirSync(dir, { recursive: true });
  fs.copyFileSync(path.join(ROOT, 'Pulumi.yaml'), path.join(dir, 'Pulumi.yaml'));
  fs.copyFileSync(path.join(ROOT, `Pulumi.${base}.yaml`), path.join(dir, `Pulumi.${stack}.yaml`));
  return dir;
}

export function stateDirFor(stack: string): string {
  return path.join(__dirname, '.scratch', stack, 'state');
}

/** Removes whatever an earlier, interrupted run of this stack left behind (its labelled objects only). */
export async function purgeLeftovers(docker: Docker, stack: string): Promise<void> {
  const r = await teardownStack(docker, stack, { purge: true, graceSeconds: 2 });
  fs.rmSync(stateDirFor(stack), { recursive: true, force: true });
  if (r.containers.length + r.networks.length + r.volumes.length > 0) {
    console.log(`      removed leftovers of stack ${stack}: ${r.containers.length} containers, ${r.networks.length} networks, ${r.volumes.length} volumes`);
  }
}

export function portOverrides(ports: DevPorts): Record<string, number> {
  return Object.fromEntries(Object.entries(ports).map(([k, v]) => [`ports.${k}`, v]));
}

export interface DevStackRun {
  readonly live: LiveStack;
  readonly ports: DevPorts;
  readonly projectDir: string;
  readonly stateDir: string;
  /** Wall time from the start of the run until runStack returned (every `wait` satisfied). */
  readonly seconds: number;
}

const quietLog = (tag: string) => (l: string): void => {
  if (!/Step \d+\/\d+|^ ---> |Removing intermediate|Running in /.test(l)) console.log(`      [${tag}] ${l}`);
};

/** Runs the dev program as `stack` on free ports; `extra` overrides (rotation.*) go on top. */
export async function upDevStack(stack: string, opts: { ports?: DevPorts; extra?: Record<string, string> } = {}): Promise<DevStackRun> {
  const projectDir = scratchProject(stack, 'dev');
  const ports = opts.ports ?? (await freeDevPorts());
  const stateDir = stateDirFor(stack);
  const started = Date.now();
  const live = await runStack({
    stack,
    projectDir,
    program: PROGRAM,
    stateDir,
    configOverrides: { ...liveStackOverrides(), ...portOverrides(ports), ...extraCaBuildArgs(), ...(opts.extra ?? {}) },
    log: quietLog(stack),
  });
  const seconds = (Date.now() - started) / 1000;
  if (!live.ok) console.log(`      errors:\n${live.errors.map((e) => `        ${e}`).join('\n')}`);
  return { live, ports, projectDir, stateDir, seconds };
}

/** Runs the prod program as `stack`, overriding only the nginx port. */
export async function upProdStack(stack: string): Promise<{ live: LiveStack; http: number; seconds: number }> {
  const projectDir = scratchProject(stack, 'prod');
  const http = await freePort();
  const started = Date.now();
  const live = await runStack({
    stack,
    projectDir,
    program: PROGRAM,
    stateDir: stateDirFor(stack),
    configOverrides: { ...liveStackOverrides(), 'ports.http': http, ...extraCaBuildArgs() },
    log: quietLog(stack),
  });
  if (!live.ok) console.log(`      errors:\n${live.errors.map((e) => `        ${e}`).join('\n')}`);
  return { live, http, seconds: (Date.now() - started) / 1000 };
}

/** True when something accepts a TCP connection on 127.0.0.1:port. */
export function accepts(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, host);
    s.setTimeout(2000, () => { s.destroy(); resolve(false); });
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function eventually<T>(fn: () => Promise<T | undefined | false>, timeoutMs: number, what: string, everyMs = 500): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await sleep(everyMs);
  }
}

/** Memory use per running container of the stack (usage minus page cache), for the report. */
export async function memoryReport(docker: Docker, stack: string): Promise<string[]> {
  const cs = await docker.listContainers({ filters: { label: [`com.imstack.stack=${stack}`, 'com.imstack.live=1'] } });
  // One stats sample takes about a second per container, so take them all at once.
  return Promise.all(cs.sort((a, b) => a.Names[0].localeCompare(b.Names[0])).map(async (c) => {
    const s = (await docker.getContainer(c.Id).stats({ stream: false })) as unknown as { memory_stats: { usage?: number; stats?: { cache?: number; inactive_file?: number } } };
    const used = (s.memory_stats.usage ?? 0) - (s.memory_stats.stats?.cache ?? s.memory_stats.stats?.inactive_file ?? 0);
    return `${c.Names[0].replace(/^\//, '')} ${(used / 1048576).toFixed(0)} MiB`;
  }));
}

// ---- the app's HTTP API through nginx ------------------------------------------------------

export interface User { id: string; username: string; displayName: string; role: string }
export interface Session { user: User; accessToken: string; refreshToken: string; password: string }
export interface Attachment { id: string; name: string; contentType: string; size: number }
export interface Message { id: string; conversationId: string; senderId: string; body: string; attachment: Attachment | null; createdAt: string }
export interface Conversation { id: string; type: string; members: Array<{ id: string; username: string }> }
export interface Page { messages: Message[]; nextCursor: string | null }

/** What fetch accepts as a body here (no DOM lib in this tsconfig). */
export type RequestBody = string | FormData | Blob | Buffer;

export interface HttpResult { status: number; headers: Headers; body: Buffer; json<T>(): T }

export class ApiError extends Error {
  constructor(readonly status: number, what: string, body: string) {
    super(`${what}: HTTP ${status} ${body.slice(0, 300)}`);
  }
}

/**
 * The app's API at `base` (nginx). Paced below nginx's general rate limit, and a 429 is
 * retried after its Retry-After, because the flows share one client address with the burst
 * test; `raw` never retries so tests can see 429s.
 */
export class AppApi {
  private last = 0;
  constructor(readonly base: string, private readonly minIntervalMs = 60) {}

  async raw(method: string, p: string, o: { token?: string; json?: unknown; body?: RequestBody; headers?: Record<string, string> } = {}): Promise<HttpResult> {
    const headers: Record<string, string> = { ...(o.headers ?? {}) };
    if (o.token) headers.authorization = `Bearer ${o.token}`;
    let body = o.body;
    if (o.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(o.json);
    }
    const res = await fetch(`${this.base}${p}`, { method, headers, body, redirect: 'manual' });
    const buf = Buffer.from(await res.arrayBuffer());
    return { status: res.status, headers: res.headers, body: buf, json: <T>() => JSON.parse(buf.toString('utf8')) as T };
  }

  async call(method: string, p: string, o: { token?: string; json?: unknown; body?: RequestBody } = {}): Promise<HttpResult> {
    for (let attempt = 0; ; attempt++) {
      const wait = this.last + this.minIntervalMs - Date.now();
      if (wait > 0) await sleep(wait);
      this.last = Date.now();
      const r = await this.raw(method, p, o);
      if (r.status !== 429 || attempt >= 20) return r;
      await sleep(1000 * Number(r.headers.get('retry-after') ?? 1));
    }
  }

  async expect<T>(status: number, method: string, p: string, o: { token?: string; json?: unknown; body?: RequestBody } = {}): Promise<T> {
    const r = await this.call(method, p, o);
    if (r.status !== status) throw new ApiError(r.status, `${method} ${p} (expected ${status})`, r.body.toString('utf8'));
    return (r.body.length ? r.json<T>() : undefined) as T;
  }

  async register(username: string, password: string): Promise<Session> {
    const s = await this.expect<Omit<Session, 'password'>>(201, 'POST', '/api/auth/register', { json: { username, password } });
    return { ...s, password };
  }

  async login(username: string, password: string): Promise<Session> {
    const s = await this.expect<Omit<Session, 'password'>>(200, 'POST', '/api/auth/login', { json: { username, password } });
    return { ...s, password };
  }

  async group(owner: Session, members: readonly Session[], title: string): Promise<Conversation> {
    return this.expect<Conversation>(201, 'POST', '/api/conversations', { token: owner.accessToken, json: { type: 'group', title, memberIds: members.map((m) => m.user.id) } });
  }

  async post(s: Session, conversationId: string, body: string, attachmentId?: string): Promise<Message> {
    return this.expect<Message>(201, 'POST', `/api/conversations/${conversationId}/messages`, { token: s.accessToken, json: attachmentId ? { body, attachmentId } : { body } });
  }

  async page(s: Session, conversationId: string, before: string | null, limit = 50): Promise<Page> {
    const q = new URLSearchParams({ limit: String(limit) });
    if (before) q.set('before', before);
    return this.expect<Page>(200, 'GET', `/api/conversations/${conversationId}/messages?${q}`, { token: s.accessToken });
  }

  /** Every message, newest first, by following nextCursor; also the number of pages. */
  async history(s: Session, conversationId: string, limit = 50): Promise<{ messages: Message[]; pages: number }> {
    const messages: Message[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const p = await this.page(s, conversationId, cursor, limit);
      pages++;
      messages.push(...p.messages);
      cursor = p.nextCursor;
      if (pages > 1000) throw new Error('history does not end');
    } while (cursor);
    return { messages, pages };
  }

  async upload(s: Session, conversationId: string, name: string, contentType: string, data: Buffer): Promise<Attachment> {
    const form = new FormData();
    form.append('file', new Blob([data], { type: contentType }), name);
    return this.expect<Attachment>(201, 'POST', `/api/conversations/${conversationId}/files`, { token: s.accessToken, body: form });
  }

  async health(): Promise<{ status: number; body: { status?: string; checks?: Record<string, string> } }> {
    const r = await this.raw('GET', '/health');
    let body: { status?: string; checks?: Record<string, string> } = {};
    try { body = r.json(); } catch { /* a 502 page from nginx while the backend restarts */ }
    return { status: r.status, body };
  }
}

/** Posts `count` messages "<prefix>-0001".. sequentially (so their ids ascend). */
export async function seedMessages(api: AppApi, s: Session, conversationId: string, count: number, prefix: string): Promise<Message[]> {
  const out: Message[] = [];
  for (let i = 1; i <= count; i++) out.push(await api.post(s, conversationId, `${prefix}-${String(i).padStart(4, '0')}`));
  return out;
}

/** A username unique to this run (the API allows [a-z0-9_.-], 3-32). */
export function uniqueName(base: string): string {
  return `${base}_${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`.slice(0, 32);
}
