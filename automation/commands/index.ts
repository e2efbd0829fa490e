// Every imctl command, in the help groups and order `imctl --help` shows them. Adding a
// command is adding its module and one entry here (test/unit/imctl/registry.test.ts fails
// for a command module that is not listed).
import { adminCommand } from './admin';
import { backupCommand } from './backup';
import { backupsCommand } from './backups';
import { destroyCommand } from './destroy';
import { doctorCommand } from './doctor';
import type { CommandGroup } from './factory';
import { healthCommand } from './health';
import { restartCommand, startCommand, stopCommand } from './lifecycle';
import { logsCommand } from './logs';
import { outputsCommand } from './outputs';
import { previewCommand } from './preview';
import { refreshCommand } from './refresh';
import { restoreCommand } from './restore';
import { rotateCommand } from './rotate';
import { statusCommand } from './status';
import { unlockCommand } from './unlock';
import { upCommand } from './up';

export const COMMAND_GROUPS: readonly CommandGroup[] = [
  { title: 'Deploy', commands: [upCommand, previewCommand, destroyCommand, refreshCommand, outputsCommand] },
  { title: 'Containers', commands: [statusCommand, startCommand, stopCommand, restartCommand, logsCommand] },
  { title: 'Backups', commands: [backupCommand, backupsCommand, restoreCommand] },
  { title: 'Health and diagnostics', commands: [healthCommand, doctorCommand] },
  { title: 'Maintenance', commands: [rotateCommand, unlockCommand, adminCommand] },
];
