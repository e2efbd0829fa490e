// runStack: the typed entry point of the live layer. It resolves the stack's real config
// (Pulumi.<stack>.yaml + overrides), runs the program in a fresh child process under
// LiveMocks, and hands back outputs, the created resources and a teardown.
import { fork } from 'child_process';
import fs from 'fs';
import path from 'path';
import { dockerClient } from './docker-client';
import { ConfigValue, resolveStackConfig } from './config';
import type { ResourceRecord } from './mocks';
import type { ChildMessage, RunJob, RunResult, StackOutputValue } from './protocol';
import { StackState } from './state';
import { teardownStack, TeardownOptions, TeardownReport } from './teardown';
import { LIVE_LABEL, STACK_LABEL } from './resources/labels';

export const REPO_ROOT = path.resolve(__dirname, '../../..');
export const DEFAULT_STATE_DIR = path.join(REPO_ROOT, 'test', 'live', '.state');

export interface RunStackOptions {
  /** Stack name the program sees (container names, labels): keep it unique on a shared engine. */
  readonly stack: string;
  /** Read Pulumi.<configStack>.yaml instead of Pulumi.<stack>.yaml (e.g. run "livedev" with dev's config). */
  readonly configStack?: string;
  /** Project folder with Pulumi.yaml and Pulumi.<stack>.yaml; defaults to the repo root. */
  readonly projectDir?: string;
  /** Program module; defaults to <projectDir>/index.ts, else the repo's index.ts. */
  readonly program?: string;
  /** `pulumi config set --path` style keys ("images.postgres") to values. */
  readonly configOverrides?: Readonly<Record<string, ConfigValue>>;
  readonly secretOverrides?: readonly string[];
  /** Where generated secrets and command results persist between runs of a stack. */
  readonly stateDir?: string;
  readonly log?: (line: string) => void;
  /** Whole-run limit; default 15 minutes. */
  readonly timeoutMs?: number;
}

export interface LiveStack {
  readonly stack: string;
  readonly ok: boolean;
  readonly errors: readonly string[];
  /** Stack outputs; `secret` says whether the program exported it as a secret. */
  readonly outputs: Readonly<Record<string, StackOutputValue>>;
  readonly resources: readonly ResourceRecord[];
  readonly seconds: number;
  /** Plain value of an output (throws when it is missing). */
  output<T = unknown>(name: string): T;
  /** Removes containers and networks (and volumes with purge); forgets the state unless keepState. */
  teardown(opts?: TeardownOptions & { keepState?: boolean }): Promise<TeardownReport>;
}

export function stateFileFor(stack: string, stateDir = DEFAULT_STATE_DIR): string {
  return path.join(stateDir, `${stack}.json`);
}

export async function runStack(o: RunStackOptions): Promise<LiveStack> {
  const projectDir = path.resolve(o.projectDir ?? REPO_ROOT);
  const cfg = resolveStackConfig({ projectDir, stack: o.configStack ?? o.stack, overrides: o.configOverrides, secretOverrides: o.secretOverrides });
  const ownProgram = path.join(projectDir, 'index.ts');
  const program = o.program ? path.resolve(projectDir, o.program) : fs.existsSync(ownProgram) ? ownProgram : path.join(REPO_ROOT, 'index.ts');
  const stateFile = stateFileFor(o.stack, o.stateDir);
  const job: RunJob = {
    kind: 'run',
    projectDir,
    program,
    stack: o.stack,
    project: cfg.project,
    config: cfg.all,
    secretKeys: cfg.secretKeys,
    stateFile,
  };
  const log = o.log ?? ((l: string) => console.error(`[live ${o.stack}] ${l}`));
  const child = fork(path.join(__dirname, 'runner.ts'), [], {
    cwd: projectDir,
    execArgv: ['-r', 'ts-node/register'],
    env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true', TS_NODE_PROJECT: path.join(REPO_ROOT, 'tsconfig.json') },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let tail = '';
  const keep = (c: Buffer): void => { tail = (tail + c.toString()).slice(-4000); };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const result = await new Promise<RunResult>((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`stack ${o.stack}: live run exceeded ${(o.timeoutMs ?? 900000) / 1000}s`)); }, o.timeoutMs ?? 900000);
    child.on('message', (m: ChildMessage) => {
      if (m.kind === 'log') log(m.line);
      else { clearTimeout(timer); resolve(m); }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`stack ${o.stack}: runner exited (${code}) without a result; output:\n${tail}`)); });
    child.send(job);
  });
  const docker = dockerClient();
  // Pulumi deletes, at the end of a successful update, what the program no longer declares
  // (an engine switched from minio to seaweedfs loses its minio containers); volumes are
  // retained on delete by the program, so they stay.
  if (result.ok) {
    const declared = new Set(result.resources.filter((r) => r.type === 'docker:index/container:Container').map((r) => r.id));
    const stale = (await docker.listContainers({ all: true, filters: { label: [`${LIVE_LABEL}=1`, `${STACK_LABEL}=${o.stack}`] } })).filter((c) => !declared.has(c.Id));
    for (const c of stale) {
      const ct = docker.getContainer(c.Id);
      const grace = ((await ct.inspect()).Config as { StopTimeout?: number }).StopTimeout ?? 10;
      try { await ct.stop({ t: grace }); } catch { /* already stopped */ }
      await ct.remove({ force: true });
      log(`container ${c.Names[0]?.replace(/^\//, '') ?? c.Id} is no longer in the program: deleted`);
    }
  }
  return {
    stack: o.stack,
    ok: result.ok,
    errors: result.errors,
    outputs: result.outputs,
    resources: result.resources,
    seconds: result.seconds,
    output<T>(name: string): T {
      if (!(name in result.outputs)) throw new Error(`stack ${o.stack} has no output "${name}" (has: ${Object.keys(result.outputs).join(', ')})`);
      return result.outputs[name].value as T;
    },
    async teardown(opts = {}) {
      const ids = (type: string) => result.resources.filter((r) => r.type === type).map((r) => r.id);
      const report = await teardownStack(docker, o.stack, opts, {
        containers: ids('docker:index/container:Container'),
        networks: ids('docker:index/network:Network'),
        volumes: ids('docker:index/volume:Volume'),
      });
      if (!opts.keepState) StackState.remove(stateFile);
      return report;
    },
  };
}
