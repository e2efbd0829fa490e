// Lifting the maintenance page from inside the job container, for a restore whose caller
// (imctl) is gone: start the stack's backends, wait until they are healthy, then remove the
// flag nginx checks. This is imctl's leaveMaintenance (cli/maintenance.ts) done by the job,
// through the Docker Engine API on the socket the job container has mounted; the job touches
// only containers labelled with its own stack. Why the job has the socket at all:
// docs/operations.md, "Interrupted restores".
import { request } from 'http';
import { existsSync } from 'fs';
import { DOCKER_SOCKET, MAINTENANCE_FLAG } from './contract';

export { MAINTENANCE_FLAG };
/** Container labels the program sets (automation/docker/dockerOps.ts LABEL). */
export const LABEL = { stack: 'com.imstack.stack', service: 'com.imstack.service' } as const;

export interface SiteContainer {
  readonly id: string;
  readonly name: string;
  readonly service: string;
  readonly running: boolean;
  /** Docker's health status, or 'none' without a healthcheck. */
  readonly health: string;
}

/** The few engine calls lifting maintenance needs; tests pass a fake. */
export interface SiteEngine {
  containers(): Promise<SiteContainer[]>;
  inspect(id: string): Promise<SiteContainer>;
  start(id: string): Promise<void>;
  /** Runs cmd in the container; resolves with its exit code. */
  exec(id: string, cmd: readonly string[]): Promise<number>;
}

export interface LiftOptions {
  /** How long the backends get to become healthy; the flag goes regardless afterwards. */
  readonly timeoutMs: number;
  readonly pollMs?: number;
  readonly log?: (message: string) => void;
}

export interface LiftResult {
  readonly backends: readonly string[];
  /** False when a backend was not healthy in time (nginx then answers 502, which imctl health reports). */
  readonly healthy: boolean;
}

/** Starts a stopped backend at most this often while waiting (imctl may still be stopping it). */
const MAX_STARTS = 5;

const ready = (c: SiteContainer): boolean => c.running && (c.health === 'healthy' || c.health === 'none');

/**
 * Backends started and healthy, then the flag removed from every running nginx: the same
 * order as imctl's leaveMaintenance, so users never leave the maintenance page for a 502.
 * A backend that stops again while this waits (the caller that entered maintenance may still
 * have been stopping it) is started again.
 */
export async function liftMaintenance(engine: SiteEngine, opts: LiftOptions): Promise<LiftResult> {
  const all = await engine.containers();
  const backends = all.filter((c) => c.service === 'backend');
  const starts = new Map<string, number>();
  const deadline = Date.now() + opts.timeoutMs;
  let healthy = backends.length === 0;
  while (!healthy) {
    const now = await Promise.all(backends.map((b) => engine.inspect(b.id)));
    for (const c of now.filter((x) => !x.running)) {
      const n = starts.get(c.id) ?? 0;
      if (n >= MAX_STARTS) continue;
      starts.set(c.id, n + 1);
      opts.log?.(`starting ${c.name}`);
      await engine.start(c.id);
    }
    healthy = now.every(ready);
    if (healthy || Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 1000));
  }
  if (!healthy) opts.log?.(`backends not healthy after ${Math.round(opts.timeoutMs / 1000)}s; lifting the maintenance page anyway`);
  const nginx = all.filter((c) => c.service === 'nginx' && c.running);
  if (nginx.length === 0) throw new Error('no running nginx container to lift the maintenance page in');
  for (const n of nginx) {
    const code = await engine.exec(n.id, ['rm', '-f', MAINTENANCE_FLAG]);
    if (code !== 0) throw new Error(`rm -f ${MAINTENANCE_FLAG} in ${n.name} exited ${code}`);
  }
  return { backends: backends.map((b) => b.name), healthy };
}

interface ApiContainer {
  Id: string;
  Names?: string[];
  Name?: string;
  Labels?: Record<string, string>;
  Config?: { Labels?: Record<string, string> };
  State: string | { Running: boolean; Health?: { Status: string } };
}

/** The Engine API over its unix socket, limited to the containers of one stack. */
export class DockerSocketEngine implements SiteEngine {
  constructor(private readonly stack: string, private readonly socketPath = DOCKER_SOCKET, private readonly timeoutMs = 15_000) {}

  /** The engine when this container has its socket, else undefined (the job then says what is left to do). */
  static ifAvailable(stack: string, socketPath = DOCKER_SOCKET): DockerSocketEngine | undefined {
    return existsSync(socketPath) ? new DockerSocketEngine(stack, socketPath) : undefined;
  }

  private call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; data: T }> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request(
        { socketPath: this.socketPath, method, path, timeout: this.timeoutMs, headers: payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {} },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const status = res.statusCode ?? 0;
            if (status >= 400) return reject(new Error(`Docker ${method} ${path.split('?')[0]}: ${status} ${text.trim().slice(0, 200)}`));
            try {
              resolve({ status, data: (text ? JSON.parse(text) : undefined) as T });
            } catch {
              resolve({ status, data: undefined as T });
            }
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`Docker ${method} ${path.split('?')[0]} timed out after ${this.timeoutMs} ms`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  private summary(c: ApiContainer): SiteContainer {
    const labels = c.Labels ?? c.Config?.Labels ?? {};
    if (labels[LABEL.stack] !== this.stack) throw new Error(`container ${c.Id.slice(0, 12)} is not part of stack ${this.stack}`);
    const state = typeof c.State === 'string' ? { Running: c.State === 'running' } : c.State;
    return {
      id: c.Id,
      name: (c.Name ?? c.Names?.[0] ?? c.Id).replace(/^\//, ''),
      service: labels[LABEL.service] ?? '',
      running: state.Running,
      health: typeof c.State === 'string' ? 'unknown' : (state as { Health?: { Status: string } }).Health?.Status ?? 'none',
    };
  }

  async containers(): Promise<SiteContainer[]> {
    const filters = encodeURIComponent(JSON.stringify({ label: [`${LABEL.stack}=${this.stack}`] }));
    const { data } = await this.call<ApiContainer[]>('GET', `/containers/json?all=1&filters=${filters}`);
    return Promise.all(data.map((c) => this.inspect(c.Id)));
  }

  async inspect(id: string): Promise<SiteContainer> {
    return this.summary((await this.call<ApiContainer>('GET', `/containers/${encodeURIComponent(id)}/json`)).data);
  }

  async start(id: string): Promise<void> {
    await this.inspect(id); // refuses a container of another stack
    await this.call('POST', `/containers/${encodeURIComponent(id)}/start`); // 304 when already running
  }

  async exec(id: string, cmd: readonly string[]): Promise<number> {
    await this.inspect(id);
    const { data } = await this.call<{ Id: string }>('POST', `/containers/${encodeURIComponent(id)}/exec`, { Cmd: [...cmd], AttachStdout: false, AttachStderr: false });
    await this.call('POST', `/exec/${data.Id}/start`, { Detach: true });
    for (let i = 0; i < 100; i++) {
      const info = (await this.call<{ Running: boolean; ExitCode: number | null }>('GET', `/exec/${data.Id}/json`)).data;
      if (!info.Running && info.ExitCode !== null) return info.ExitCode;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${cmd.join(' ')} did not finish within 10 s`);
  }
}
