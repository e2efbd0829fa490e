// The real Automation API boundary: LocalWorkspace over the project directory as a local
// program, so Pulumi.<stack>.yaml stays the single source of config.
import { LocalWorkspace, PulumiCommand, Stack } from '@pulumi/pulumi/automation';
import { isPulumiMissing } from './pulumiErrors';
import { PulumiMissingError } from '../errors';
import { INSTALL_HINT } from './hints';
import type {
  OpenStackOptions,
  OperationOptions,
  OperationResult,
  PreviewOptions,
  PulumiCli,
  StackOps,
  StackOutputs,
  UpOptions,
  WorkspaceFactory,
} from './stackOps';

export class LocalPulumi implements WorkspaceFactory, PulumiCli {
  private command?: PulumiCommand;

  constructor(readonly projectDir: string) {}

  async version(): Promise<string | null> {
    try {
      return versionOf(await this.resolveCommand());
    } catch (e) {
      // null only for "not on PATH"; a CLI that is there but cannot be used says why.
      if (e instanceof PulumiMissingError && isPulumiMissing(e.cause)) return null;
      throw e;
    }
  }

  async install(): Promise<string> {
    this.command = await PulumiCommand.install({ skipVersionCheck: true });
    return versionOf(this.command);
  }

  async open(stackName: string, opts: OpenStackOptions): Promise<StackOps> {
    const pulumiCommand = await this.resolveCommand();
    const args = { stackName, workDir: this.projectDir };
    const wsOpts = { envVars: opts.envVars, pulumiCommand, secretsProvider: 'passphrase' };
    const stack = opts.create
      ? await LocalWorkspace.createOrSelectStack(args, wsOpts)
      : await LocalWorkspace.selectStack(args, wsOpts);
    return new LocalStackOps(stack);
  }

  private async resolveCommand(): Promise<PulumiCommand> {
    if (this.command) return this.command;
    try {
      this.command = await PulumiCommand.get({ skipVersionCheck: false });
      return this.command;
    } catch (e) {
      if (isPulumiMissing(e)) throw new PulumiMissingError('the Pulumi CLI is not installed (no `pulumi` on PATH)', { hint: INSTALL_HINT, cause: e });
      throw new PulumiMissingError(`the Pulumi CLI cannot be used: ${firstLine(e)}`, { hint: INSTALL_HINT, cause: e });
    }
  }
}

function versionOf(cmd: PulumiCommand): string {
  return cmd.version ? cmd.version.toString() : 'unknown';
}

function firstLine(e: unknown): string {
  return String(e instanceof Error ? e.message : e).split('\n').find((l) => l.trim()) ?? 'unknown error';
}

class LocalStackOps implements StackOps {
  constructor(private readonly stack: Stack) {}

  get name(): string {
    return this.stack.name;
  }

  async up(opts: UpOptions): Promise<OperationResult & { outputs: StackOutputs }> {
    const r = await this.stack.up({
      onEvent: opts.onEvent,
      signal: opts.signal,
      refresh: opts.refresh,
      target: opts.target,
      diff: opts.diff,
      color: 'never',
    });
    return { changes: r.summary.resourceChanges ?? {}, outputs: r.outputs };
  }

  async preview(opts: PreviewOptions): Promise<OperationResult> {
    const r = await this.stack.preview({ onEvent: opts.onEvent, signal: opts.signal, diff: opts.diff, refresh: opts.refresh, color: 'never' });
    return { changes: r.changeSummary ?? {} };
  }

  async destroy(opts: OperationOptions): Promise<OperationResult> {
    const r = await this.stack.destroy({ onEvent: opts.onEvent, signal: opts.signal, color: 'never' });
    return { changes: r.summary.resourceChanges ?? {} };
  }

  async refresh(opts: OperationOptions): Promise<OperationResult> {
    const r = await this.stack.refresh({ onEvent: opts.onEvent, signal: opts.signal, color: 'never' });
    return { changes: r.summary.resourceChanges ?? {} };
  }

  outputs(): Promise<StackOutputs> {
    return this.stack.outputs();
  }

  cancel(): Promise<void> {
    return this.stack.cancel();
  }

  async getConfig(key: string, opts: { path: boolean }): Promise<string | undefined> {
    try {
      return (await this.stack.getConfig(key, opts.path)).value;
    } catch {
      // The CLI exits non-zero for a key that is not set.
      return undefined;
    }
  }

  setConfig(key: string, value: string, opts: { path: boolean; secret?: boolean }): Promise<void> {
    return this.stack.setConfig(key, { value, secret: opts.secret ?? false }, opts.path);
  }
}
