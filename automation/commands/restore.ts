// imctl restore <file|name> [--postgres-only|--objects-only] [--allow-unencrypted] [--force]
// The engine verifies the whole archive, saves what it will replace, then asks (over stdin) to
// enter maintenance; imctl answers by switching nginx to its 503 page and stopping the
// backends, and later by starting them, waiting for health and lifting the page. A failed
// restore is rolled back by the engine and reported with its own exit code.
import * as path from 'path';
import { Option } from 'commander';
import { parseSeconds } from '../cli/duration';
import type { Ctx } from '../context';
import { UsageError } from '../errors';
import { ALLOW_UNENCRYPTED_HELP, ALLOW_UNENCRYPTED_WARNING, allowUnencryptedEnv, withArchiveInVolume } from '../jobClient/archiveArg';
import { exitCodeHelp } from '../jobClient/errors';
import type { ExecFactory } from '../jobClient/factory';
import { backupContainer, runJob } from '../jobClient/jobClient';
import { enterMaintenance, leaveMaintenance } from '../jobClient/maintenance';
import type { RestoreJobResult } from '../backup/contract';
import type { CommandDef, Flags } from './factory';

/** What a restore replaces. */
export type RestoreScope = 'all' | 'database' | 'objects';

export interface RestoreOptions {
  /** Archive name in the backups volume, or a host path (copied in first). */
  archive: string;
  scope: RestoreScope;
  allowUnencrypted: boolean;
  /** Skip the confirmation (--force, or the global --yes). */
  force: boolean;
  /** Time the backends get to stop. */
  graceSeconds: number;
  /** How long the backends get to become healthy afterwards. */
  timeoutSeconds: number;
}

/**
 * The archive format names the objects component "minio" (kept so old archives restore); people
 * read what it holds, since the object store may be SeaweedFS, MinIO or an external S3.
 */
const COMPONENT_WORDS: Record<string, string> = { postgres: 'database', minio: 'objects' };

export function componentWords(components: readonly string[]): string {
  return components.map((c) => COMPONENT_WORDS[c] ?? c).join('+');
}

export function restoreOptions(args: readonly string[], flags: Flags): RestoreOptions {
  // --minio-only is the old spelling of --objects-only: hidden from help, still honoured.
  const objectsOnly = Boolean(flags.objectsOnly || flags.minioOnly);
  if (flags.postgresOnly && objectsOnly) throw new UsageError(`--postgres-only and ${flags.minioOnly ? '--minio-only' : '--objects-only'} exclude each other`);
  return {
    archive: args[0],
    scope: flags.postgresOnly ? 'database' : objectsOnly ? 'objects' : 'all',
    allowUnencrypted: Boolean(flags.allowUnencrypted),
    force: Boolean(flags.force),
    graceSeconds: parseSeconds(String(flags.grace), '--grace'),
    timeoutSeconds: parseSeconds(String(flags.timeout), '--timeout'),
  };
}

/** The engine's own flags for a partial restore (its interface keeps the archive's names). */
const ENGINE_SCOPE_ARGS: Record<RestoreScope, string[]> = { all: [], database: ['--postgres-only'], objects: ['--minio-only'] };
const SCOPE_TEXT: Record<RestoreScope, string> = { all: 'the database and the objects', database: 'the database', objects: 'the objects' };

export async function runRestore(ctx: Ctx, opts: RestoreOptions, execFactory: ExecFactory): Promise<RestoreJobResult> {
  const timing = { graceSeconds: opts.graceSeconds, timeoutSeconds: opts.timeoutSeconds };
  const exec = execFactory();
  const job = await backupContainer(ctx);
  const allow = opts.allowUnencrypted;
  if (!opts.force) {
    await ctx.confirm(
      `Restore ${opts.archive} into stack ${ctx.stack}? This replaces ${SCOPE_TEXT[opts.scope]}; the site shows a maintenance page meanwhile (a safety backup is taken first).${allow ? ` ${ALLOW_UNENCRYPTED_WARNING}` : ''}`,
      ctx.isProduction() ? ctx.stack : undefined,
    );
  }
  const started = ctx.deps.now().getTime();
  const r = await withArchiveInVolume(ctx, exec, job, opts.archive, async (target) =>
    runJob(ctx, exec, job, ['restore', target, '--hooks', 'stdio', '--defer-safety', ...ENGINE_SCOPE_ARGS[opts.scope]], {
      passThrough: ctx.out.json,
      env: allowUnencryptedEnv(allow),
      onHook: async (hook) => {
        if (hook === 'enterMaintenance') await enterMaintenance(ctx, exec, timing);
        else if (hook === 'leaveMaintenance') await leaveMaintenance(ctx, exec, timing);
        else throw new Error(`unknown hook ${hook}`);
      },
    }),
  );
  if (!ctx.out.json) printSummary(ctx, r, (ctx.deps.now().getTime() - started) / 1000);
  return r;
}

function printSummary(ctx: Ctx, r: RestoreJobResult, seconds: number): void {
  const name = path.posix.basename(r.archive);
  const rows = Object.values(r.rowCounts ?? {}).reduce((a, b) => a + b, 0);
  const objects = r.components.includes('minio');
  const parts = [r.components.includes('postgres') ? `${rows} rows` : '', objects ? `${r.objectCount} objects, ${r.removedObjects} removed` : ''].filter(Boolean);
  ctx.out.line(`restored ${name} (${componentWords(r.components)}: ${parts.join(', ')}) in ${seconds.toFixed(1)}s`);
  if (objects && r.unchangedObjects !== undefined) {
    ctx.out.line(`objects: ${r.uploadedObjects ?? 0} uploaded, ${r.unchangedObjects} already equal (left alone), ${r.removedObjects} removed`);
  }
  ctx.out.line(
    r.safetyPending
      ? `safety backup of the previous data: ${r.safety} (the backup job is writing it now from the kept previous data; \`imctl backups status\` shows when it is done)`
      : `safety backup of the previous data: ${r.safety}`,
  );
}

export const restoreCommand: CommandDef = {
  register: (program, f) =>
    program
      .command('restore')
      .description('verify an archive, take a safety backup, then restore it under a maintenance page; any failure puts the previous data back')
      .argument('<file|name>', 'archive name in the backups volume, or a host path (copied in first)')
      .option('--postgres-only', 'restore only the database')
      .option('--objects-only', 'restore only the objects (whatever the object-store engine)')
      .addOption(new Option('--minio-only', 'deprecated spelling of --objects-only').hideHelp())
      .option('--allow-unencrypted', ALLOW_UNENCRYPTED_HELP)
      .option('-f, --force', 'do not ask for confirmation (same as --yes)')
      .option('--grace <duration>', 'time the backends get to stop', '30s')
      .option('--timeout <duration>', 'how long the backends get to become healthy afterwards', '120s')
      .addHelpText('after', exitCodeHelp())
      .action(
        f.action((ctx, args, flags) => {
          const opts = restoreOptions(args, flags);
          if (flags.minioOnly) ctx.out.warn('--minio-only is deprecated; use --objects-only (the same restore, whatever the object-store engine)');
          return runRestore(ctx, opts, f.exec);
        }),
      ),
};
