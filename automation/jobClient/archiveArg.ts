// `<file|name>` arguments of restore and backups verify: a bare name is an archive in the
// backups volume; a host path (has a slash, or names an existing file) is first copied into
// the volume, since the engine only reads archives from there. The copy lands under a staging
// name (`.incoming/<token>/<name>`), never on an archive: the engine verifies it there and keeps
// it under its name only if no other archive has that name (incoming.ts).
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type { Ctx } from '../context';
import type { ContainerSummary } from '../docker/dockerOps';
import { UsageError } from '../errors';
import { ALLOW_UNENCRYPTED_ENV, BACKUPS_DIR, INCOMING_DIR } from '../backup/contract';
import { parseArchiveName } from '../backup/naming';
import type { ContainerExec } from './containerExec';

/** --allow-unencrypted (restore, backups verify): the one way to import an archive the stack's key does not authenticate. */
export const ALLOW_UNENCRYPTED_HELP =
  "accept an archive this stack's key does not authenticate: a plain one although the stack encrypts, or a plain one without a MAC (older plain archives); asks first";
export const ALLOW_UNENCRYPTED_WARNING =
  'With --allow-unencrypted, an archive is accepted that nothing proves came from this stack: whoever could write the file could have forged its content. Use it only for an archive you trust.';

/** The engine's environment for one exec with --allow-unencrypted (never the container's own). */
export function allowUnencryptedEnv(allow: boolean): Record<string, string> | undefined {
  return allow ? { [ALLOW_UNENCRYPTED_ENV]: 'true' } : undefined;
}

const NAME_HINT = 'archives are named backup_<stack>_<YYYYMMDD_HHMMSS>.tar.gz[.enc]; see `imctl backups list`';

/**
 * Resolves the argument to what the engine reads: a name inside the backups volume, or for a
 * host file the path of its staged copy there.
 */
async function archiveInVolume(ctx: Ctx, exec: ContainerExec, job: ContainerSummary, arg: string): Promise<string> {
  const hostPath = path.resolve(arg);
  const isHostFile = arg.includes('/') || arg.includes(path.sep) || fs.statSync(hostPath, { throwIfNoEntry: false })?.isFile() === true;
  if (!isHostFile) {
    if (!parseArchiveName(arg)) throw new UsageError(`"${arg}" is not a backup archive name`, { hint: NAME_HINT });
    return arg;
  }
  const st = fs.statSync(hostPath, { throwIfNoEntry: false });
  if (!st?.isFile()) throw new UsageError(`no such file: ${arg}`, { hint: NAME_HINT });
  const name = path.basename(hostPath);
  if (!parseArchiveName(name)) throw new UsageError(`"${name}" is not named like a backup archive`, { hint: NAME_HINT });
  ctx.out.progress(`copying ${name} into the backups volume (staged; kept only once verified)`);
  const staged = `${INCOMING_DIR}/${randomBytes(8).toString('hex')}/${name}`;
  await exec.copyIn(job.id, hostPath, BACKUPS_DIR, staged);
  return `${BACKUPS_DIR}/${staged}`;
}

/**
 * Runs `fn` with what the engine reads for `arg` (see archiveInVolume). When `fn` fails, a staged
 * copy is removed: the engine removes it itself once it gets to it, but not when it never did
 * (the volume was busy, the exec failed).
 */
export async function withArchiveInVolume<T>(ctx: Ctx, exec: ContainerExec, job: ContainerSummary, arg: string, fn: (target: string) => Promise<T>): Promise<T> {
  const target = await archiveInVolume(ctx, exec, job, arg);
  try {
    return await fn(target);
  } catch (e) {
    if (target.includes('/')) await exec.run(job.id, ['rm', '-rf', path.posix.dirname(target)], { stdin: false }, () => undefined).catch(() => undefined);
    throw e;
  }
}
