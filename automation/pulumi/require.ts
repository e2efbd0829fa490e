// Is the Pulumi CLI there? Asked before a stack is opened, so that `imctl up` on a machine
// without it says so (and offers the install) before it prompts for the passphrase.
import { PulumiMissingError } from '../errors';
import { INSTALL_HINT } from './hints';
import type { PulumiCli } from './stackOps';

/** Resolves when the CLI answers `pulumi version`, or `offerInstall` installed it; else PulumiMissingError (exit 7). */
export async function requirePulumi(cli: PulumiCli, offerInstall: () => Promise<boolean>): Promise<void> {
  if ((await cli.version()) !== null) return;
  if (await offerInstall()) return;
  throw new PulumiMissingError('the Pulumi CLI is not installed (no `pulumi` on PATH)', { hint: INSTALL_HINT });
}
