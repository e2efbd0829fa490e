// Everything imctl touches outside its own code, in one injectable bundle. buildProgram()
// fills the gaps with the real implementations; unit tests pass fakes.
import * as path from 'path';
import type { InterruptSource } from './cli/interrupts';
import { processInterrupts } from './cli/interrupts';
import type { TextSink } from './cli/output';
import { TtyPrompter, type Prompter } from './cli/prompt';
import type { DockerOps } from './docker/dockerOps';
import type { Probes } from './health/probes';
import type { PulumiCli, WorkspaceFactory } from './pulumi/stackOps';

export interface Deps {
  /** The Pulumi project directory (holds Pulumi.yaml). */
  projectDir: string;
  workspace: WorkspaceFactory;
  pulumi: PulumiCli;
  docker: DockerOps;
  probes: Probes;
  prompter: Prompter;
  stdout: TextSink;
  stderr: TextSink;
  env: NodeJS.ProcessEnv;
  interrupts: InterruptSource;
  now(): Date;
  sleep(ms: number): Promise<void>;
  nodeVersion: string;
}

export const DEFAULT_PROJECT_DIR = path.resolve(__dirname, '..');

/** Real implementations, loaded lazily so `imctl --help` stays fast and tests never load them. */
export function realDeps(overrides: Partial<Deps> = {}): Deps {
  const projectDir = overrides.projectDir ?? process.env.IMSTACK_PROJECT_DIR ?? DEFAULT_PROJECT_DIR;
  let pulumi: (WorkspaceFactory & PulumiCli) | undefined;
  const localPulumi = (): WorkspaceFactory & PulumiCli => {
    if (!pulumi) {
      const { LocalPulumi } = require('./pulumi/localPulumi') as typeof import('./pulumi/localPulumi');
      pulumi = new LocalPulumi(projectDir);
    }
    return pulumi;
  };
  let docker: DockerOps | undefined;
  const lazyDocker = (): DockerOps => {
    if (!docker) {
      const { DockerodeOps } = require('./docker/dockerodeOps') as typeof import('./docker/dockerodeOps');
      docker = new DockerodeOps();
    }
    return docker;
  };
  const deps: Deps = {
    projectDir,
    get workspace() {
      return overrides.workspace ?? localPulumi();
    },
    get pulumi() {
      return overrides.pulumi ?? localPulumi();
    },
    get docker() {
      return overrides.docker ?? lazyDocker();
    },
    get probes() {
      return overrides.probes ?? (require('./health/realProbes') as typeof import('./health/realProbes')).realProbes;
    },
    prompter: overrides.prompter ?? new TtyPrompter(),
    stdout: overrides.stdout ?? process.stdout,
    stderr: overrides.stderr ?? process.stderr,
    env: overrides.env ?? process.env,
    interrupts: overrides.interrupts ?? processInterrupts,
    now: overrides.now ?? (() => new Date()),
    sleep: overrides.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms))),
    nodeVersion: overrides.nodeVersion ?? process.versions.node,
  };
  return deps;
}
