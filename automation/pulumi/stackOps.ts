// The Automation API boundary. Commands talk to these interfaces; the real implementation
// wraps LocalWorkspace, and unit tests inject fakes.
import type { EngineEvent, OpMap } from '@pulumi/pulumi/automation';

export type { EngineEvent, OpMap };

export interface OperationOptions {
  onEvent?: (event: EngineEvent) => void;
  signal?: AbortSignal;
}

export interface UpOptions extends OperationOptions {
  refresh?: boolean;
  target?: string[];
  diff?: boolean;
}

export interface PreviewOptions extends OperationOptions {
  diff?: boolean;
  refresh?: boolean;
}

export interface OutputEntry {
  value: unknown;
  secret: boolean;
}
export type StackOutputs = Record<string, OutputEntry>;

export interface OperationResult {
  /** Counts per operation kind, e.g. { create: 3, same: 10 }. */
  changes: OpMap;
}

export interface StackOps {
  readonly name: string;
  up(opts: UpOptions): Promise<OperationResult & { outputs: StackOutputs }>;
  preview(opts: PreviewOptions): Promise<OperationResult>;
  destroy(opts: OperationOptions): Promise<OperationResult>;
  refresh(opts: OperationOptions): Promise<OperationResult>;
  outputs(): Promise<StackOutputs>;
  /** Cancels an in-flight update and clears the lock it holds. */
  cancel(): Promise<void>;
  getConfig(key: string, opts: { path: boolean }): Promise<string | undefined>;
  setConfig(key: string, value: string, opts: { path: boolean; secret?: boolean }): Promise<void>;
}

export interface OpenStackOptions {
  /** Create the stack when missing (up, preview); otherwise a missing stack is an error. */
  create: boolean;
  /** Environment for the pulumi process: backend URL, passphrase. */
  envVars: Record<string, string>;
}

export interface WorkspaceFactory {
  readonly projectDir: string;
  open(stack: string, opts: OpenStackOptions): Promise<StackOps>;
}

/** The Pulumi CLI itself: present? which version? can it be installed? */
export interface PulumiCli {
  /** The CLI's version, or null when it is not installed. */
  version(): Promise<string | null>;
  /** Downloads the CLI (PulumiCommand.install); later opens use it. */
  install(): Promise<string>;
}
