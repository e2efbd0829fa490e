// Where the passphrase secrets provider gets its passphrase: the environment, a file, or
// (on a terminal) the user. The value only ever travels in the child process environment.
import * as fs from 'fs';
import { ConfigError, PassphraseMissingError } from '../errors';
import type { Prompter } from '../cli/prompt';
import type { Redactor } from '../cli/redact';

export type PassphraseEnv = { PULUMI_CONFIG_PASSPHRASE: string } | { PULUMI_CONFIG_PASSPHRASE_FILE: string };

export interface PassphraseSources {
  env: NodeJS.ProcessEnv;
  prompter: Prompter;
  redactor: Redactor;
  readFile?: (path: string) => string;
}

export const PASSPHRASE_HINT =
  'set PULUMI_CONFIG_PASSPHRASE, or PULUMI_CONFIG_PASSPHRASE_FILE=<file holding it>';

/** Where a passphrase would come from, without prompting (for doctor). */
export function describePassphraseSource(env: NodeJS.ProcessEnv): string | null {
  if (env.PULUMI_CONFIG_PASSPHRASE !== undefined) return 'PULUMI_CONFIG_PASSPHRASE';
  if (env.PULUMI_CONFIG_PASSPHRASE_FILE) return `PULUMI_CONFIG_PASSPHRASE_FILE (${env.PULUMI_CONFIG_PASSPHRASE_FILE})`;
  return null;
}

export async function resolvePassphrase(src: PassphraseSources): Promise<PassphraseEnv> {
  const readFile = src.readFile ?? ((p: string) => fs.readFileSync(p, 'utf8'));
  // An empty PULUMI_CONFIG_PASSPHRASE is a deliberate choice Pulumi accepts, so "set" wins.
  if (src.env.PULUMI_CONFIG_PASSPHRASE !== undefined) {
    src.redactor.add(src.env.PULUMI_CONFIG_PASSPHRASE);
    return { PULUMI_CONFIG_PASSPHRASE: src.env.PULUMI_CONFIG_PASSPHRASE };
  }
  const file = src.env.PULUMI_CONFIG_PASSPHRASE_FILE;
  if (file) {
    let content: string;
    try {
      content = readFile(file);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? 'unreadable';
      throw new ConfigError(`PULUMI_CONFIG_PASSPHRASE_FILE ${file} cannot be read (${code})`, {
        hint: 'point it at a readable file holding the passphrase',
        cause: e,
      });
    }
    src.redactor.add(content.replace(/\r?\n$/, ''));
    return { PULUMI_CONFIG_PASSPHRASE_FILE: file };
  }
  if (!src.prompter.interactive) {
    throw new PassphraseMissingError('no Pulumi passphrase: stdin is not a terminal, so imctl cannot ask for it', {
      hint: PASSPHRASE_HINT,
    });
  }
  const typed = await src.prompter.askSecret('Pulumi config passphrase: ');
  src.redactor.add(typed);
  return { PULUMI_CONFIG_PASSPHRASE: typed };
}
