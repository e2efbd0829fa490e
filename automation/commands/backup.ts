// imctl backup [all|postgres|minio|redis] [--output <dir>] [--remote]
// Runs the engine in the stack's backup job container (same code as the nightly schedule),
// streaming progress, and optionally copies the archive out to the host.
import * as path from 'path';
import type { Command } from 'commander';
import type { App } from '../app';
import { formatBytes } from '../cli/duration';
import { ExitCode, UsageError } from '../errors';
import { exitCodeHelp } from '../jobClient/errors';
import { realExec, type ExecFactory } from '../jobClient/factory';
import { BACKUPS_DIR } from '../backup/contract';
import { backupContainer, runJob } from '../jobClient/jobClient';

export const order = 140;

const COMPONENTS = ['all', 'postgres', 'minio', 'redis'];

interface BackupResult {
  file: string;
  bytes: number;
  durationMs?: number;
  objectCount?: number;
  rowCounts?: Record<string, number>;
  remote?: { ok: boolean; reason?: string };
}

export function registerBackup(program: Command, app: App, execFactory: ExecFactory): void {
  program
    .command('backup')
    .helpGroup('Backups:')
    .description('back up the stack now (in its backup job container) into the backups volume; optionally copy it out or off-site')
    .argument('[component...]', 'all (postgres + minio), postgres, minio, redis', ['all'])
    .option('--output <dir>', 'also copy the archive to this host directory')
    .option('--remote', 'also upload it to the configured off-site S3 target')
    .addHelpText('after', exitCodeHelp())
    .action(
      app.action(async (ctx, args, opts) => {
        const components = args.length ? args : ['all'];
        const bad = components.filter((c) => !COMPONENTS.includes(c));
        if (bad.length) throw new UsageError(`unknown backup component${bad.length > 1 ? 's' : ''}: ${bad.join(', ')}`, { hint: `use ${COMPONENTS.join(', ')}` });
        const exec = execFactory();
        const job = await backupContainer(ctx);
        if (!ctx.out.json) ctx.out.progress(`backing up ${components.join('+')} of stack ${ctx.stack} in ${job.name}`);
        const r = (await runJob(ctx, exec, job, ['backup', ...components, ...(opts.remote ? ['--remote'] : [])], { passThrough: ctx.out.json })) as BackupResult;
        let copiedTo: string | undefined;
        if (opts.output) {
          if (!ctx.out.json) ctx.out.progress(`copying ${r.file} to ${opts.output}`);
          copiedTo = await exec.copyOut(job.id, `${BACKUPS_DIR}/${r.file}`, path.resolve(String(opts.output)));
        }
        if (ctx.out.json) {
          ctx.out.data({ type: 'result', data: { ...r, copiedTo } });
          return;
        }
        const secs = r.durationMs !== undefined ? ` in ${(r.durationMs / 1000).toFixed(1)}s` : '';
        ctx.out.line(`backup ${r.file} (${formatBytes(r.bytes)}, ${r.objectCount ?? 0} objects)${secs}`);
        if (copiedTo) ctx.out.line(`copied to ${copiedTo}`);
        if (r.remote) ctx.out.line(r.remote.ok ? 'off-site copy: ok' : `off-site copy FAILED: ${r.remote.reason ?? 'unknown reason'}`);
        if (r.remote && !r.remote.ok) ctx.exitCode = ExitCode.OPERATION_FAILED;
      }),
    );
}

export function register(program: Command, app: App): void {
  registerBackup(program, app, realExec);
}
