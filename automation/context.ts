// The per-invocation context every command action receives: global flags, output, the
// injected boundaries, and the shared steps (open a stack, confirm, run an operation).
import type { Command } from 'commander';
import { isProduction } from './backup/contract';
import { interruptible } from './cli/interrupts';
import { Output } from './cli/output';
import { confirm } from './cli/prompt';
import { Redactor } from './cli/redact';
import type { Deps } from './deps';
import { mapError } from './errorMapping';
import { ImctlError, NotConfirmedError, PulumiMissingError, StackNotFoundError } from './errors';
import type { ContainerSummary } from './docker/dockerOps';
import { chooseBackend, ensureBackendDir } from './pulumi/backend';
import { eventPrinter } from './pulumi/engineEvents';
import { INSTALL_HINT } from './pulumi/hints';
import { resolvePassphrase } from './pulumi/passphrase';
import { requirePulumi } from './pulumi/require';
import type { EngineEvent, StackOps } from './pulumi/stackOps';

export interface Globals {
  stack: string;
  json: boolean;
  yes: boolean;
  verbose: boolean;
  color: boolean;
  installPulumi: boolean;
}

export interface OperationHooks {
  onEvent: (e: EngineEvent) => void;
  signal: AbortSignal;
}

export class Ctx {
  exitCode = 0;
  readonly out: Output;

  constructor(
    readonly deps: Deps,
    readonly globals: Globals,
    readonly redactor: Redactor,
  ) {
    this.out = new Output({
      stdout: deps.stdout,
      stderr: deps.stderr,
      json: globals.json,
      color: globals.color,
      verbose: globals.verbose,
      redactor,
    });
  }

  get stack(): string {
    return this.globals.stack;
  }

  /** Opens the stack through the workspace factory with backend and passphrase settled. */
  async openStack(create: boolean): Promise<StackOps> {
    // A missing CLI is said before anything is asked: a typed passphrase would be wasted.
    await requirePulumi(this.deps.pulumi, () => this.offerPulumiInstall());
    const backend = chooseBackend(this.deps.projectDir, this.deps.env);
    ensureBackendDir(backend);
    const passphrase = await resolvePassphrase({ env: this.deps.env, prompter: this.deps.prompter, redactor: this.redactor });
    const envVars: Record<string, string> = { PULUMI_BACKEND_URL: backend.url, PULUMI_SKIP_UPDATE_CHECK: 'true', ...passphrase };
    this.out.debug(`backend ${backend.url}, project ${this.deps.projectDir}, stack ${this.stack}`);
    const open = (): Promise<StackOps> => this.deps.workspace.open(this.stack, { create, envVars });
    try {
      return await open();
    } catch (e) {
      const err = mapError(e, { stack: this.stack });
      if (err instanceof PulumiMissingError && (await this.offerPulumiInstall())) {
        try {
          return await open();
        } catch (e2) {
          throw mapError(e2, { stack: this.stack });
        }
      }
      throw err;
    }
  }

  /** Offers PulumiCommand.install where allowed; returns true when the CLI is now installed. */
  async offerPulumiInstall(): Promise<boolean> {
    const allowed = this.globals.installPulumi || this.globals.yes;
    if (!allowed) {
      if (!this.deps.prompter.interactive) return false;
      const ok = await confirm(this.deps.prompter, 'The Pulumi CLI is not installed. Download and install it now from get.pulumi.com?');
      if (!ok) return false;
    }
    this.out.progress('installing the Pulumi CLI (PulumiCommand.install)…');
    try {
      const version = await this.deps.pulumi.install();
      this.out.progress(`installed Pulumi CLI ${version}`);
      return true;
    } catch (e) {
      const reason = (e instanceof Error ? e.message : String(e)).split('\n')[0];
      throw new PulumiMissingError(`the Pulumi CLI is not installed, and installing it failed: ${reason}`, { hint: INSTALL_HINT, cause: e });
    }
  }

  /**
   * Asks before a destructive step. --yes skips it; without a terminal it fails rather than
   * guessing. `typed` demands the user type that exact text (the stack name in prod).
   */
  async confirm(question: string, typed?: string): Promise<void> {
    if (this.globals.yes) return;
    if (!this.deps.prompter.interactive) {
      throw new NotConfirmedError(`refusing without confirmation: stdin is not a terminal (${question.replace(/\?$/, '')})`, { hint: 'pass --yes to confirm non-interactively' });
    }
    if (typed !== undefined) {
      const answer = await this.deps.prompter.ask(`${question}\nType the stack name (${typed}) to confirm: `);
      if (answer !== typed) throw new NotConfirmedError(`confirmation "${answer}" does not match ${typed}; nothing was changed`);
      return;
    }
    if (!(await confirm(this.deps.prompter, question))) throw new NotConfirmedError('cancelled; nothing was changed');
  }

  /** Runs a Pulumi operation with progress, NDJSON, Ctrl-C cancellation and error mapping. */
  async operation<T>(name: string, opts: { preview?: boolean; diff?: boolean }, run: (hooks: OperationHooks) => Promise<T>): Promise<T> {
    const printer = eventPrinter(this.out, { preview: Boolean(opts.preview), diff: Boolean(opts.diff) });
    const intr = interruptible(this.deps.interrupts, (t) => this.out.progress(t), name);
    try {
      return await run({ onEvent: (e) => printer.onEvent(e), signal: intr.signal });
    } catch (e) {
      throw mapError(e, { stack: this.stack, operation: name, aborted: intr.signal.aborted, diagnostics: printer.errors });
    } finally {
      intr.dispose();
    }
  }

  /** The stack's containers; an empty stack is "not deployed". */
  async containers(): Promise<ContainerSummary[]> {
    const all = await this.deps.docker.listContainers(this.stack);
    if (all.length === 0) {
      throw new StackNotFoundError(`no containers labelled com.imstack.stack=${this.stack}`, { hint: `deploy it with \`imctl up --stack ${this.stack}\`` });
    }
    return all;
  }

  /** True for production stacks, which get stricter confirmations (the contract's one rule). */
  isProduction(environment?: unknown): boolean {
    return isProduction(this.stack, environment);
  }
}

export function globalsOf(cmd: Command, deps: Pick<Deps, 'env' | 'stderr'>): Globals {
  const env = deps.env;
  const o = cmd.optsWithGlobals<{ stack?: string; json?: boolean; yes?: boolean; verbose?: boolean; color?: boolean; installPulumi?: boolean }>();
  return {
    stack: o.stack ?? env.IMSTACK_STACK ?? 'dev',
    json: Boolean(o.json),
    yes: Boolean(o.yes),
    verbose: Boolean(o.verbose),
    // NO_COLOR (any value) and non-terminals turn colour off, like most CLIs.
    color: o.color !== false && env.NO_COLOR === undefined && (env.FORCE_COLOR ? env.FORCE_COLOR !== '0' : Boolean(deps.stderr.isTTY)),
    installPulumi: Boolean(o.installPulumi),
  };
}

export type { ImctlError };
