// Fakes for imctl's boundaries: the Automation API (WorkspaceFactory/StackOps), Docker
// (DockerOps), the health probes, prompts and Ctrl-C. Each records what it was asked.
import { run } from '../../../../automation/app';
import type { InterruptSource } from '../../../../automation/cli/interrupts';
import type { Prompter } from '../../../../automation/cli/prompt';
import type { Deps } from '../../../../automation/deps';
import type { ContainerSummary, DockerOps, LogLine, LogOptions, VolumeSummary } from '../../../../automation/docker/dockerOps';
import type { BucketTarget, DiskSpace, FlagAnswer, HttpAnswer, PgTarget, Probes, RedisTarget } from '../../../../automation/health/probes';
import type { EngineEvent, OpenStackOptions, OperationOptions, PreviewOptions, PulumiCli, StackOps, StackOutputs, UpOptions, WorkspaceFactory } from '../../../../automation/pulumi/stackOps';
import type { OpMap } from '@pulumi/pulumi/automation';

// Real Automation API error classes, built the way the SDK builds them from a failed command.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { createCommandError } = require('@pulumi/pulumi/automation/errors') as { createCommandError(r: unknown): Error };
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { CommandResult } = require('@pulumi/pulumi/automation/cmd') as { CommandResult: new (stdout: string, stderr: string, code: number, err?: Error) => unknown };

export function pulumiError(stderr: string, code = 255, err?: Error): Error {
  return createCommandError(new CommandResult('', stderr, code, err));
}
export function enoentError(): Error {
  const e = Object.assign(new Error('Command failed with ENOENT: pulumi version\nspawn pulumi ENOENT'), { code: 'ENOENT' });
  return createCommandError(new CommandResult('', e.message, -2, e));
}
export const LOCKED_STDERR =
  'error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete the lock file with `pulumi cancel`.\n  file:///x/.pulumi/locks/organization/imstack/dev/abc.json: created by root@host (pid 42) at 2025-01-01T00:00:00Z\n';
export const NOT_FOUND_STDERR = "error: no stack named 'prod' found\n";

type Behaviour<T> = T | Error | ((opts: never) => Promise<T>);

export class FakeStack implements StackOps {
  calls: Array<{ op: string; opts?: unknown }> = [];
  config = new Map<string, string>();
  upResult: Behaviour<{ changes: OpMap; outputs: StackOutputs }> = { changes: { create: 3, same: 1 }, outputs: {} };
  previewResult: Behaviour<{ changes: OpMap }> = { changes: { same: 12 } };
  destroyResult: Behaviour<{ changes: OpMap }> = { changes: { delete: 12 } };
  refreshResult: Behaviour<{ changes: OpMap }> = { changes: { same: 12 } };
  outputsResult: Behaviour<StackOutputs> = {};
  cancelResult: Behaviour<void> = undefined;
  setConfigError?: Error;
  /** Events sent to onEvent before each operation resolves. */
  events: EngineEvent[] = [];

  constructor(readonly name: string) {}

  private async play<T>(op: string, opts: OperationOptions | undefined, b: Behaviour<T>): Promise<T> {
    this.calls.push({ op, opts });
    for (const e of this.events) opts?.onEvent?.(e);
    if (b instanceof Error) throw b;
    if (typeof b === 'function') return (b as (o: unknown) => Promise<T>)(opts);
    return b;
  }

  up(opts: UpOptions) {
    return this.play('up', opts, this.upResult);
  }
  preview(opts: PreviewOptions) {
    return this.play('preview', opts, this.previewResult);
  }
  destroy(opts: OperationOptions) {
    return this.play('destroy', opts, this.destroyResult);
  }
  refresh(opts: OperationOptions) {
    return this.play('refresh', opts, this.refreshResult);
  }
  outputs() {
    return this.play('outputs', undefined, this.outputsResult);
  }
  cancel() {
    return this.play('cancel', undefined, this.cancelResult);
  }
  async getConfig(key: string): Promise<string | undefined> {
    return this.config.get(key);
  }
  async setConfig(key: string, value: string, opts: { path: boolean }): Promise<void> {
    this.calls.push({ op: 'setConfig', opts: { key, value, path: opts.path } });
    if (this.setConfigError) throw this.setConfigError;
    this.config.set(key, value);
  }
}

export class FakeWorkspace implements WorkspaceFactory, PulumiCli {
  readonly projectDir: string;
  opens: Array<{ stack: string; opts: OpenStackOptions }> = [];
  stacks = new Map<string, FakeStack>();
  openError?: Error;
  /** Errors thrown by the next opens, in order (then openError/normal). */
  openErrors: Error[] = [];
  /** The CLI's version; null: not installed (version() says so, and open() fails as spawning it would). */
  installed: string | null = '3.200.0';
  installError?: Error;
  installs = 0;

  constructor(projectDir: string) {
    this.projectDir = projectDir;
  }

  stack(name = 'dev'): FakeStack {
    let s = this.stacks.get(name);
    if (!s) {
      s = new FakeStack(name);
      this.stacks.set(name, s);
    }
    return s;
  }

  async open(stack: string, opts: OpenStackOptions): Promise<StackOps> {
    this.opens.push({ stack, opts });
    if (this.installed === null) throw enoentError();
    const next = this.openErrors.shift();
    if (next) throw next;
    if (this.openError) throw this.openError;
    if (!opts.create && !this.stacks.has(stack)) throw pulumiError(`error: no stack named '${stack}' found\n`);
    return this.stack(stack);
  }

  async version(): Promise<string | null> {
    return this.installed;
  }
  async install(): Promise<string> {
    this.installs++;
    if (this.installError) throw this.installError;
    this.installed = '3.200.0';
    return this.installed;
  }
}

export function container(service: string, over: Partial<ContainerSummary> = {}): ContainerSummary {
  const tier = ({ postgres: 'data', redis: 'data', minio: 'data', 'minio-init': 'data', backup: 'data', backend: 'app', web: 'app', next: 'app', nginx: 'edge' } as Record<string, string>)[service] ?? 'app';
  const name = `imstack-dev-${service}${over.replica !== undefined ? `-${over.replica}` : ''}`;
  return {
    id: `id-${name}`,
    name,
    stack: 'dev',
    service,
    tier,
    state: 'running',
    health: service === 'minio-init' ? 'none' : 'healthy',
    startedAt: '2025-01-01T00:00:00Z',
    ports: [],
    publishedPorts: [],
    networks: { [`imstack-dev-${tier === 'edge' ? 'edge' : 'data'}`]: `172.20.0.${Math.floor(Math.random() * 200) + 2}` },
    ...over,
  };
}

/** A running dev stack with the services of docs/conventions.md. */
export function devStack(): ContainerSummary[] {
  const pub = (containerPort: number, hostPort: number) => [{ hostIp: '127.0.0.1', hostPort, containerPort, protocol: 'tcp' }];
  return [
    container('nginx', { ports: pub(80, 8080), publishedPorts: pub(80, 8080), networks: { 'imstack-dev-edge': '172.21.0.2' } }),
    container('postgres', { ports: pub(5432, 15432), publishedPorts: pub(5432, 15432), networks: { 'imstack-dev-data': '172.20.0.2' } }),
    container('redis', { ports: pub(6379, 16379), publishedPorts: pub(6379, 16379), networks: { 'imstack-dev-data': '172.20.0.3' } }),
    container('minio', { ports: pub(9000, 19000), publishedPorts: pub(9000, 19000), networks: { 'imstack-dev-data': '172.20.0.4' } }),
    container('minio-init', { state: 'exited', exitCode: 0, startedAt: undefined }),
    container('backend', { replica: 1, networks: { 'imstack-dev-data': '172.20.0.10', 'imstack-dev-edge': '172.21.0.10' } }),
    container('backend', { replica: 2, networks: { 'imstack-dev-data': '172.20.0.11', 'imstack-dev-edge': '172.21.0.11' } }),
    container('web'),
    container('next'),
  ];
}

export const BACKEND_ENV: Record<string, string> = {
  DATABASE_URL: 'postgres://imstack_app:pgSECRETpw123@postgres:5432/imstack',
  REDIS_URL: 'redis://:redisSECRETpw456@redis:6379/0',
  S3_ENDPOINT: 'minio',
  S3_PORT: '9000',
  S3_USE_SSL: 'false',
  S3_ACCESS_KEY: 'imstack-app',
  S3_SECRET_KEY: 's3SECRETkey789',
  S3_BUCKET: 'imstack',
  JWT_SECRET: 'jwtSECRETvalue000',
};

export class FakeDocker implements DockerOps {
  containers: ContainerSummary[];
  env: Record<string, Record<string, string>> = {};
  volumes: VolumeSummary[] = [{ name: 'imstack-dev-postgres', mountpoint: '/var/lib/docker/volumes/imstack-dev-postgres/_data' }, { name: 'imstack-dev-backups', mountpoint: '/var/lib/docker/volumes/imstack-dev-backups/_data' }];
  actions: string[] = [];
  unreachable?: Error;
  /** Per container name: how many inspections before it reports healthy after a start. */
  healthyAfter: Record<string, number> = {};
  /** Per container name: the state it falls into after a start. */
  failOnStart: Record<string, Partial<ContainerSummary>> = {};
  logLines: Record<string, LogLine[]> = {};
  logCalls: Array<{ name: string; opts: LogOptions }> = [];
  private inspections: Record<string, number> = {};

  constructor(containers: ContainerSummary[] = devStack()) {
    this.containers = containers;
    for (const c of containers) if (c.service === 'backend') this.env[c.id] = { ...BACKEND_ENV };
  }

  private check(): void {
    if (this.unreachable) throw this.unreachable;
  }
  private find(id: string): ContainerSummary {
    const c = this.containers.find((x) => x.id === id);
    if (!c) throw new Error(`no container ${id}`);
    return c;
  }
  async ping() {
    this.check();
  }
  async version() {
    this.check();
    return { version: '20.10.24', apiVersion: '1.41' };
  }
  async dataRoot() {
    this.check();
    return '/var/lib/docker';
  }
  async listContainers(stack: string) {
    this.check();
    return this.containers.filter((c) => c.stack === stack).map((c) => ({ ...c }));
  }
  async inspectContainer(id: string) {
    this.check();
    const c = this.find(id);
    const wait = this.healthyAfter[c.name];
    if (wait !== undefined && c.state === 'running') {
      this.inspections[c.name] = (this.inspections[c.name] ?? 0) + 1;
      c.health = this.inspections[c.name] > wait ? 'healthy' : 'starting';
    }
    return { ...c };
  }
  async containerEnv(id: string) {
    this.check();
    return { ...(this.env[id] ?? {}) };
  }
  async start(id: string) {
    this.check();
    const c = this.find(id);
    this.actions.push(`start ${c.name}`);
    Object.assign(c, { state: 'running', exitCode: undefined, startedAt: '2025-01-01T00:10:00Z' }, this.failOnStart[c.name] ?? {});
    if (this.healthyAfter[c.name] !== undefined) {
      this.inspections[c.name] = 0;
      c.health = 'starting';
    }
  }
  async stop(id: string, t: number) {
    this.check();
    const c = this.find(id);
    this.actions.push(`stop ${c.name} t=${t}`);
    Object.assign(c, { state: 'exited', exitCode: 0, startedAt: undefined, ports: [] });
  }
  async logs(id: string, opts: LogOptions, onLine: (l: LogLine) => void) {
    this.check();
    const c = this.find(id);
    this.logCalls.push({ name: c.name, opts });
    for (const l of this.logLines[c.name] ?? []) onLine(l);
    if (opts.follow) {
      await new Promise<void>((resolve) => {
        if (opts.signal?.aborted) return resolve();
        opts.signal?.addEventListener('abort', () => resolve(), { once: true });
      });
    }
  }
  async listVolumes() {
    this.check();
    return [...this.volumes];
  }
  async removeVolume(name: string) {
    this.actions.push(`rm volume ${name}`);
    this.volumes = this.volumes.filter((v) => v.name !== name);
  }
}

export class FakeProbes implements Probes {
  calls: string[] = [];
  pg: (t: PgTarget) => Promise<string> = async () => '15.5';
  redisPing: (t: RedisTarget) => Promise<void> = async () => undefined;
  bucketExists: (t: BucketTarget) => Promise<boolean> = async () => true;
  httpAnswer: (url: string) => Promise<HttpAnswer> = async () => ({ status: 200, body: '{"status":"ok","checks":{"postgres":"ok","redis":"ok","s3":"ok"}}' });
  listening: (host: string, port: number) => boolean = () => true;
  space: (path: string) => DiskSpace | null = () => ({ freeBytes: 50 * 1024 ** 3, totalBytes: 100 * 1024 ** 3 });
  /** nginx's maintenance flag: when it was set, or null (off). */
  flag: (containerId: string) => Promise<FlagAnswer | null> = async () => null;

  postgres(t: PgTarget) {
    this.calls.push(`pg ${t.user}@${t.host}:${t.port}/${t.database}`);
    return this.pg(t);
  }
  redis(t: RedisTarget) {
    this.calls.push(`redis ${t.host}:${t.port}`);
    return this.redisPing(t);
  }
  bucket(t: BucketTarget) {
    this.calls.push(`bucket ${t.endPoint}:${t.port}/${t.bucket}`);
    return this.bucketExists(t);
  }
  http(url: string) {
    this.calls.push(`http ${url}`);
    return this.httpAnswer(url);
  }
  async tcp(host: string, port: number) {
    this.calls.push(`tcp ${host}:${port}`);
    return this.listening(host, port);
  }
  async disk(path: string) {
    return this.space(path);
  }
  maintenanceFlag(id: string) {
    this.calls.push(`flag ${id}`);
    return this.flag(id);
  }
}

export class FakePrompter implements Prompter {
  questions: string[] = [];
  constructor(public interactive = false, public answers: string[] = []) {}
  async ask(q: string) {
    this.questions.push(q);
    return this.answers.shift() ?? '';
  }
  async askSecret(q: string) {
    this.questions.push(q);
    return this.answers.shift() ?? '';
  }
}

export class FakeInterrupts implements InterruptSource {
  handlers = new Set<() => void>();
  exits: number[] = [];
  subscribe(h: () => void) {
    this.handlers.add(h);
    return () => this.handlers.delete(h);
  }
  exitNow(code: number) {
    this.exits.push(code);
  }
  fire() {
    for (const h of [...this.handlers]) h();
  }
}

export class Sink {
  text = '';
  isTTY = false;
  write(s: string) {
    this.text += s;
    return true;
  }
}

export interface Harness {
  workspace: FakeWorkspace;
  docker: FakeDocker;
  probes: FakeProbes;
  prompter: FakePrompter;
  interrupts: FakeInterrupts;
  env: NodeJS.ProcessEnv;
  stdout: Sink;
  stderr: Sink;
  now: Date;
}

export function harness(projectDir = '/tmp/imctl-unit-project'): Harness {
  return {
    workspace: new FakeWorkspace(projectDir),
    docker: new FakeDocker(),
    probes: new FakeProbes(),
    prompter: new FakePrompter(),
    interrupts: new FakeInterrupts(),
    env: { PULUMI_CONFIG_PASSPHRASE: 'unit-test-passphrase', PULUMI_BACKEND_URL: 'file:///tmp/imctl-unit-state' },
    stdout: new Sink(),
    stderr: new Sink(),
    now: new Date('2025-01-01T01:00:00Z'),
  };
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The harness's fakes as imctl's Deps; sleeping advances the fake clock. */
export function depsOf(h: Harness): Partial<Deps> {
  return {
    projectDir: h.workspace.projectDir,
    workspace: h.workspace,
    pulumi: h.workspace,
    docker: h.docker,
    probes: h.probes,
    prompter: h.prompter,
    interrupts: h.interrupts,
    env: h.env,
    stdout: h.stdout,
    stderr: h.stderr,
    now: () => h.now,
    sleep: async () => {
      h.now = new Date(h.now.getTime() + 1000);
    },
    nodeVersion: '20.20.0',
  };
}

export async function imctl(h: Harness, ...args: string[]): Promise<RunResult> {
  h.stdout.text = '';
  h.stderr.text = '';
  const code = await run(['node', 'imctl', ...args], depsOf(h));
  return { code, stdout: h.stdout.text, stderr: h.stderr.text };
}
