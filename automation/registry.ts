// Command modules are discovered, not listed: every file in automation/commands/ that
// exports `register` adds its commands. Adding a command is adding a file.
import * as fs from 'fs';
import * as path from 'path';
import type { Command } from 'commander';
import type { App } from './app';

export interface CommandModule {
  /** Adds the module's command(s) to the program. */
  register(program: Command, app: App): void;
  /** Position in help; lower first. Defaults to 100. */
  order?: number;
}

export const COMMAND_DIRS = [path.join(__dirname, 'commands'), path.join(__dirname, 'backup', 'commands')];

function isModuleFile(file: string): boolean {
  return /\.(ts|js)$/.test(file) && !file.endsWith('.d.ts') && !/\.(test|spec)\./.test(file);
}

export function loadCommandModules(dirs: readonly string[] = COMMAND_DIRS): CommandModule[] {
  const modules: Array<CommandModule & { file: string }> = [];
  for (const dir of dirs) {
    if (!fs.existsSync(dir)) continue;
    // Prefer .ts over a compiled .js twin of the same module.
    const byBase = new Map<string, string>();
    for (const file of fs.readdirSync(dir).filter(isModuleFile).sort()) {
      const base = file.replace(/\.(ts|js)$/, '');
      if (!byBase.has(base) || file.endsWith('.ts')) byBase.set(base, file);
    }
    for (const file of byBase.values()) {
      const mod = require(path.join(dir, file)) as Partial<CommandModule>;
      if (typeof mod.register === 'function') modules.push({ register: mod.register, order: mod.order, file });
    }
  }
  return modules.sort((a, b) => (a.order ?? 100) - (b.order ?? 100) || a.file.localeCompare(b.file));
}
