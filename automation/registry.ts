// Puts the static command list (automation/commands/index.ts) on a commander program: each
// command under its group's heading, so the help is generated from the list alone.
import type { Command } from 'commander';
import type { CommandGroup, Factory } from './commands/factory';

export function registerCommands(program: Command, groups: readonly CommandGroup[], factory: Factory): void {
  for (const group of groups) {
    for (const def of group.commands) def.register(program, factory).helpGroup(`${group.title}:`);
  }
}

/** "backups list" for that subcommand: the words after `imctl`. */
export function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** Calls `visit` for every command below `program`, subcommands included. */
export function eachCommand(program: Command, visit: (cmd: Command) => void): void {
  for (const c of program.commands) {
    visit(c);
    eachCommand(c, visit);
  }
}
