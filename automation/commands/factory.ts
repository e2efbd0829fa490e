// What every command gets at registration (the model is gh's cmdutil.Factory): the boundaries
// that the per-run Ctx does not hold, and the wrapper that turns a command's run function into
// a commander action. Commands import this leaf, never app.ts, so the program builder and the
// command list do not import each other.
import type { Command } from 'commander';
import type { ExecFactory } from '../jobClient/factory';
import type { Ctx } from '../context';

/** Flags as commander parsed them; each command turns them into its typed options first. */
export type Flags = Readonly<Record<string, unknown>>;

/** A command's work. What it returns is the `result` of the --json envelope. */
export type Run<R> = (ctx: Ctx, args: string[], flags: Flags, cmd: Command) => Promise<R>;

export interface Factory {
  /** Docker exec into the stack's containers (the backup job, a backend), built on first use. */
  readonly exec: ExecFactory;
  /** Builds the run's Ctx, runs it, keeps its exit code and exports its result under --json. */
  action<R>(run: Run<R>): (...raw: unknown[]) => Promise<void>;
}

export interface CommandDef {
  /** Adds the command (with its subcommands) to `program` and returns it. */
  register(program: Command, factory: Factory): Command;
}

export interface CommandGroup {
  /** The heading in `imctl --help`, without the colon. */
  title: string;
  commands: readonly CommandDef[];
}
