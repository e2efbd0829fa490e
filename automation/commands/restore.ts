// imctl restore <file|name> [--postgres-only|--minio-only] [--allow-unencrypted] [--force]
// The engine verifies the whole archive, saves what it will replace, then asks (over stdin) to
// enter maintenance; imctl answers by switching nginx to its 503 page and stopping the
// backends, and later by starting them, waiting for health and lifting the page. A failed
// restore is rolled back by the engine and reported with its own exit code.
import * as path from 'path';
import type { Command } from 'commander';
import type { App } from '../app';
import { parseSeconds } from '../cli/duration';
import { UsageError } from '../errors';
import { ALLOW_UNENCRYPTED_HELP, ALLOW_UNENCRYPTED_WARNING, allowUnencryptedEnv, withArchiveInVolume } from '../jobClient/archiveArg';
import { exitCodeHelp } from '../jobClient/errors';
import { realExec, type ExecFactory } from '../jobClient/factory';
import { backupContainer, runJob } from '../jobClient/jobClient';
import { enterMaintenance, leaveMaintenance } from '../jobClient/maintenance';

export const order = 142;

interface RestoreAnswer {
  archive: string;
  safety: string;
  safetyPending?: boolean;
  components: string[];
  rowCounts: Record<string, number>;
  objectCount: number;
  uploadedObjects?: number;
  unchangedObjects?: number;
  removedObjects: number;
}

export function registerRestore(program: Command, app: App, execFactory: ExecFactory): void {
  program
    .command('restore')
    .helpGroup('Backups:')
    .description('verify an archive, take a safety backup, then restore it under a maintenance page; any failure puts the previous data back')
    .argument('<file|name>', 'archive name in the backups volume, or a host path (copied in first)')
    .option('--postgres-only', 'restore only the database')
    .option('--minio-only', 'restore only the objects')
    .option('--allow-unencrypted', ALLOW_UNENCRYPTED_HELP)
    .option('-f, --force', 'do not ask for confirmation (same as --yes)')
    .option('--grace <duration>', 'time the backends get to stop', '30s')
    .option('--timeout <duration>', 'how long the backends get to become healthy afterwards', '120s')
    .addHelpText('after', exitCodeHelp())
    .action(
      app.action(async (ctx, args, opts) => {
        if (opts.postgresOnly && opts.minioOnly) throw new UsageError('--postgres-only and --minio-only exclude each other');
        const timing = { graceSeconds: parseSeconds(String(opts.grace), '--grace'), timeoutSeconds: parseSeconds(String(opts.timeout), '--timeout') };
        const exec = execFactory();
        const job = await backupContainer(ctx);
        const what = opts.postgresOnly ? 'the database' : opts.minioOnly ? 'the objects' : 'the database and the objects';
        const allow = Boolean(opts.allowUnencrypted);
        if (!opts.force) {
          await ctx.confirm(
            `Restore ${args[0]} into stack ${ctx.stack}? This replaces ${what}; the site shows a maintenance page meanwhile (a safety backup is taken first).${allow ? ` ${ALLOW_UNENCRYPTED_WARNING}` : ''}`,
            ctx.isProduction() ? ctx.stack : undefined,
          );
        }
        const started = ctx.deps.now().getTime();
        const r = await withArchiveInVolume(ctx, exec, job, args[0], async (target) =>
          (await runJob(ctx, exec, job, ['restore', target, '--hooks', 'stdio', '--defer-safety', ...(opts.postgresOnly ? ['--postgres-only'] : []), ...(opts.minioOnly ? ['--minio-only'] : [])], {
            passThrough: ctx.out.json,
            env: allowUnencryptedEnv(allow),
            onHook: async (hook) => {
              if (hook === 'enterMaintenance') await enterMaintenance(ctx, exec, timing);
              else if (hook === 'leaveMaintenance') await leaveMaintenance(ctx, exec, timing);
              else throw new Error(`unknown hook ${hook}`);
            },
          })) as RestoreAnswer,
        );
        const name = path.posix.basename(r.archive);
        if (ctx.out.json) return ctx.out.data({ type: 'result', data: r });
        const rows = Object.values(r.rowCounts ?? {}).reduce((a, b) => a + b, 0);
        const secs = ((ctx.deps.now().getTime() - started) / 1000).toFixed(1);
        ctx.out.line(`restored ${name} (${r.components.join('+')}: ${r.components.includes('postgres') ? `${rows} rows` : ''}${r.components.length > 1 ? ', ' : ''}${r.components.includes('minio') ? `${r.objectCount} objects, ${r.removedObjects} removed` : ''}) in ${secs}s`);
        if (r.components.includes('minio') && r.unchangedObjects !== undefined) {
          ctx.out.line(`objects: ${r.uploadedObjects ?? 0} uploaded, ${r.unchangedObjects} already equal (left alone), ${r.removedObjects} removed`);
        }
        ctx.out.line(
          r.safetyPending
            ? `safety backup of the previous data: ${r.safety} (the backup job is writing it now from the kept previous data; \`imctl backups status\` shows when it is done)`
            : `safety backup of the previous data: ${r.safety}`,
        );
      }),
    );
}

export function register(program: Command, app: App): void {
  registerRestore(program, app, realExec);
}
