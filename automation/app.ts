// The program factory and runner: builds the commander tree from the discovered command
// modules, and turns every outcome into an exit code with at most a few lines on stderr.
import { Command, CommanderError, Option } from 'commander';
import { Redactor } from './cli/redact';
import { Output } from './cli/output';
import { Ctx, globalsOf } from './context';
import { realDeps, type Deps } from './deps';
import { describeError, mapError } from './errorMapping';
import { EXIT_CODE_TABLE, ExitCode, UsageError } from './errors';
import { loadCommandModules, type CommandModule } from './registry';

function packageVersion(): string {
  try {
    return (require('../package.json') as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

const STACK_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

export type Action = (ctx: Ctx, args: string[], opts: Record<string, unknown>, cmd: Command) => Promise<void>;

export class App {
  /** Context of the running action; used to print errors the way the user asked (--json, --verbose). */
  current?: Ctx;
  readonly redactor = new Redactor();

  constructor(readonly deps: Deps) {}

  /** Wraps a command action: builds its Ctx, runs it, keeps its exit code. */
  action(fn: Action): (...args: unknown[]) => Promise<void> {
    return async (...raw: unknown[]) => {
      const cmd = raw[raw.length - 1] as Command;
      const opts = raw[raw.length - 2] as Record<string, unknown>;
      const args = raw.slice(0, -2).flatMap((a) => (Array.isArray(a) ? (a as string[]) : a === undefined ? [] : [String(a)]));
      const globals = globalsOf(cmd, this.deps);
      const ctx = new Ctx(this.deps, globals, this.redactor);
      this.current = ctx;
      if (!STACK_NAME.test(globals.stack)) throw new UsageError(`invalid stack name ${JSON.stringify(globals.stack)}`, { hint: 'letters, digits, "-", "_" and "." only' });
      await fn(ctx, args, opts, cmd);
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
export function buildProgram(deps: Partial<Deps> = {}, modules?: CommandModule[]): Command {
  return createProgram(new App(realDeps(deps)), modules);
}

function createProgram(app: App, modules: CommandModule[] = loadCommandModules()): Command {
  const { deps } = app;
  const program = new Command('imctl')
    .version(packageVersion(), '-V, --version', 'print the imctl version')
    .description('Deploy and operate the imstack instant-messaging stack (Pulumi Automation API + Docker Engine API).')
    .option('-s, --stack <name>', 'stack to act on (default: $IMSTACK_STACK or "dev")')
    .option('--json', 'machine-readable output (NDJSON engine events for up/preview/destroy/refresh, JSON otherwise)')
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
  for (const m of modules) m.register(program, app);
  (program as Command & { app?: App }).app = app;
  return program;
}

/** Parses argv (node-style: [node, script, ...args]), runs the command, returns the exit code. */
export async function run(argv: readonly string[], deps: Partial<Deps> = {}, modules?: CommandModule[]): Promise<number> {
  const app = new App(realDeps(deps));
  const program = createProgram(app, modules);
  try {
    await program.parseAsync([...argv]);
    return app.current?.exitCode ?? ExitCode.OK;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and --version are successes; commander already printed its one-line message.
      if (e.exitCode === 0 || e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return ExitCode.OK;
      return ExitCode.USAGE;
    }
    const err = mapError(e, { stack: app.current?.stack });
    const out = app.current?.out ?? new Output({ stdout: app.deps.stdout, stderr: app.deps.stderr, json: false, color: false, verbose: argv.includes('--verbose') || argv.includes('-v'), redactor: app.redactor });
    if (out.json) {
      app.deps.stderr.write(app.redactor.redact(JSON.stringify({ error: { type: err.name, exitCode: err.exitCode, message: err.message, hint: err.hint } })) + '\n');
    } else {
      const [first, ...rest] = describeError(err, out.verbose);
      out.error(first);
      for (const l of rest) out.progress(l);
    }
    return err.exitCode;
  }
}
