// The program factory and runner: builds the commander tree from the static command list,
// and turns every outcome into an exit code, one --json envelope, and at most a few lines on
// stderr.
import { Command, CommanderError, Option } from 'commander';
import { isStackName, STACK_NAME_RULE } from './backup/contract';
import { realExec, type ExecFactory } from './jobClient/factory';
import { exportError, exportResult } from './cli/envelope';
import { Redactor } from './cli/redact';
import { Output } from './cli/output';
import { COMMAND_GROUPS } from './commands';
import type { CommandGroup, Factory, Run } from './commands/factory';
import { Ctx, globalsOf } from './context';
import { realDeps, type Deps } from './deps';
import { describeError, mapError } from './errorMapping';
import { EXIT_CODE_TABLE, ExitCode, UsageError } from './errors';
import { commandPath, eachCommand, registerCommands } from './registry';

function packageVersion(): string {
  try {
    return (require('../package.json') as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

/** Boundaries besides Deps; tests pass fakes. */
export interface Boundaries {
  exec?: ExecFactory;
  /** The command list; the real one unless a test narrows it. */
  groups?: readonly CommandGroup[];
}

export class App implements Factory {
  /** Context of the running action; used to print errors the way the user asked (--json, --verbose). */
  current?: Ctx;
  /** Path of the command being run ("backups list"), for the envelope of its failure. */
  command?: string;
  readonly redactor = new Redactor();
  readonly exec: ExecFactory;

  constructor(
    readonly deps: Deps,
    boundaries: Boundaries = {},
  ) {
    this.exec = boundaries.exec ?? realExec;
  }

  action<R>(fn: Run<R>): (...raw: unknown[]) => Promise<void> {
    return async (...raw: unknown[]) => {
      const cmd = raw[raw.length - 1] as Command;
      const opts = raw[raw.length - 2] as Record<string, unknown>;
      const args = raw.slice(0, -2).flatMap((a) => (Array.isArray(a) ? (a as string[]) : a === undefined ? [] : [String(a)]));
      const globals = globalsOf(cmd, this.deps);
      const ctx = new Ctx(this.deps, globals, this.redactor);
      this.current = ctx;
      this.command = commandPath(cmd);
      // The job's rule, which the program applies too: a name accepted here is never refused later.
      if (!isStackName(globals.stack)) throw new UsageError(`invalid stack name ${JSON.stringify(globals.stack)}`, { hint: `${STACK_NAME_RULE} only` });
      const result = await fn(ctx, args, opts, cmd);
      if (ctx.out.json) exportResult(ctx.out, this.command, ctx.stack, ctx.exitCode, result);
    };
  }
}

export function exitCodeHelp(): string {
  const rows = EXIT_CODE_TABLE.map(([code, text]) => `  ${String(code).padStart(3)}  ${text}`);
  return ['', 'Exit codes:', ...rows, '', 'Environment:',
    '  IMSTACK_STACK                   default for --stack (else "dev")',
    '  PULUMI_BACKEND_URL              state backend (default file://<project>/.pulumi-state)',
    '  PULUMI_CONFIG_PASSPHRASE[_FILE] passphrase for stack secrets (asked for on a terminal)',
    '  NO_COLOR                        disable colour',
    '  DOCKER_HOST                     Docker engine (default /var/run/docker.sock)',
    '', 'Runbook: docs/operations.md'].join('\n');
}

/** Builds the commander program. Tests pass fakes for the boundaries they exercise. */
export function buildProgram(deps: Partial<Deps> = {}, boundaries: Boundaries = {}): Command {
  return createProgram(new App(realDeps(deps), boundaries), boundaries.groups);
}

function createProgram(app: App, groups: readonly CommandGroup[] = COMMAND_GROUPS): Command {
  const { deps } = app;
  const program = new Command('imctl')
    .version(packageVersion(), '-V, --version', 'print the imctl version')
    .description('Deploy and operate the imstack instant-messaging stack (Pulumi Automation API + Docker Engine API).')
    .option('-s, --stack <name>', 'stack to act on (default: $IMSTACK_STACK or "dev")')
    .option('--json', 'machine-readable output: the last line of stdout is one JSON envelope {command, stack, ok, exitCode, result|error}; streaming commands print NDJSON events before it')
    .option('-y, --yes', 'assume yes for confirmations (also allows installing a missing Pulumi CLI)')
    .option('-v, --verbose', 'more detail, and the causes of errors')
    .option('--no-color', 'disable colour (also: NO_COLOR)')
    .addOption(new Option('--install-pulumi', 'install the Pulumi CLI if it is missing (PulumiCommand.install)'))
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => void deps.stdout.write(s),
      writeErr: (s) => void deps.stderr.write(s),
      outputError: (s, write) => write(s),
    })
    .addHelpText('after', exitCodeHelp());
  registerCommands(program, groups, app);
  // A parse error names the command it happened in, for its --json envelope.
  eachCommand(program, (cmd) =>
    cmd.exitOverride((e) => {
      app.command = commandPath(cmd);
      throw e;
    }),
  );
  return program;
}

/** Parses argv (node-style: [node, script, ...args]), runs the command, returns the exit code. */
export async function run(argv: readonly string[], deps: Partial<Deps> = {}, boundaries: Boundaries = {}): Promise<number> {
  const app = new App(realDeps(deps), boundaries);
  const program = createProgram(app, boundaries.groups);
  const jsonFlag = argv.slice(2).includes('--json');
  try {
    await program.parseAsync([...argv]);
    return app.current?.exitCode ?? ExitCode.OK;
  } catch (e) {
    const out = app.current?.out ?? new Output({ stdout: app.deps.stdout, stderr: app.deps.stderr, json: jsonFlag, color: false, verbose: argv.includes('--verbose') || argv.includes('-v'), redactor: app.redactor });
    if (e instanceof CommanderError) {
      // Help and --version are successes; commander already printed its one-line message.
      if (e.exitCode === 0 || e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return ExitCode.OK;
      if (out.json) exportError(out, app.command ?? null, null, new UsageError(e.message.replace(/^error:\s*/, '')));
      return ExitCode.USAGE;
    }
    const err = mapError(e, { stack: app.current?.stack });
    // Humans read stderr either way; under --json, scripts read the envelope on stdout.
    const [first, ...rest] = describeError(err, out.verbose);
    out.error(first);
    for (const l of rest) out.progress(l);
    if (out.json) exportError(out, app.command ?? null, app.current?.stack ?? null, err);
    return err.exitCode;
  }
}
