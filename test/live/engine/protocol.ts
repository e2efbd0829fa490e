// Messages between runStack (parent) and the runner child process over Node IPC.
// Secrets travel only over IPC, never in argv or the environment of other processes.
import type { ResourceRecord } from './mocks';

export interface RunJob {
  readonly kind: 'run';
  readonly projectDir: string;
  /** Module that defines the stack; defaults to <projectDir>/index.ts. */
  readonly program: string;
  readonly stack: string;
  readonly project: string;
  readonly config: Record<string, string>;
  readonly secretKeys: readonly string[];
  readonly stateFile: string;
}

export interface StackOutputValue {
  readonly value: unknown;
  readonly secret: boolean;
}

export interface RunResult {
  readonly kind: 'result';
  readonly ok: boolean;
  readonly outputs: Record<string, StackOutputValue>;
  readonly resources: ResourceRecord[];
  readonly errors: string[];
  readonly seconds: number;
}

export interface RunLog {
  readonly kind: 'log';
  readonly line: string;
}

export type ChildMessage = RunResult | RunLog;
