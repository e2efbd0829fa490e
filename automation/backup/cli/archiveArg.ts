// `<file|name>` arguments of restore and backups verify: a bare name is an archive in the
// backups volume; a host path (has a slash, or names an existing file) is first copied into
// the volume, since the engine only reads archives from there.
import * as fs from 'fs';
import * as path from 'path';
import type { Ctx } from '../../context';
import type { ContainerSummary } from '../../docker/dockerOps';
import { UsageError } from '../../errors';
import { parseArchiveName } from '../naming';
import type { ContainerExec } from './containerExec';
import { BACKUPS_DIR } from './jobClient';

const NAME_HINT = 'archives are named backup_<stack>_<YYYYMMDD_HHMMSS>.tar.gz[.enc]; see `imctl backups list`';

/** Resolves the argument to a name inside the backups volume, copying a host file in first. */
export async function archiveInVolume(ctx: Ctx, exec: ContainerExec, job: ContainerSummary, arg: string): Promise<string> {
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
  ctx.out.progress(`copying ${name} into the backups volume`);
  await exec.copyIn(job.id, hostPath, BACKUPS_DIR);
  return name;
}
