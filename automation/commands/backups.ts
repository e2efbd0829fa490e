// imctl backups list | verify <file|name> [--allow-unencrypted] | prune [--dry-run] | status
import * as path from 'path';
import { formatBytes } from '../cli/duration';
import { renderTable } from '../cli/table';
import type { Ctx } from '../context';
import { ALLOW_UNENCRYPTED_HELP, ALLOW_UNENCRYPTED_WARNING, allowUnencryptedEnv, withArchiveInVolume } from '../jobClient/archiveArg';
import { exitCodeHelp } from '../jobClient/errors';
import type { ExecFactory } from '../jobClient/factory';
import { backupContainer, runJob } from '../jobClient/jobClient';
import type { ListJobResult, PruneJobResult, StatusJobResult, VerifyJobResult } from '../backup/contract';
import type { CommandDef, Flags } from './factory';

function ago(iso: string, now: Date): string {
  const h = (now.getTime() - Date.parse(iso)) / 3_600_000;
  if (h < 1) return `${Math.max(0, Math.round(h * 60))} min ago`;
  return h < 48 ? `${h.toFixed(1)} h ago` : `${(h / 24).toFixed(1)} d ago`;
}

export interface ListOptions {
  /** false: skip the off-site listing (`--no-remote`). */
  remote: boolean;
}

export interface VerifyOptions {
  /** Archive name in the backups volume, or a host path. */
  archive: string;
  allowUnencrypted: boolean;
}

export interface PruneOptions {
  dryRun: boolean;
}

export async function runList(ctx: Ctx, opts: ListOptions, exec: ExecFactory): Promise<ListJobResult> {
  const job = await backupContainer(ctx);
  const rows = await runJob(ctx, exec(), job, ['list', ...(opts.remote ? ['--remote'] : [])]);
  if (rows.length === 0) {
    ctx.out.line('no backups yet (run `imctl backup`)');
    return rows;
  }
  const now = ctx.deps.now();
  ctx.out.line(
    renderTable(
      ['WHERE', 'ARCHIVE', 'SIZE', 'AGE', 'CONTENT', 'KIND', 'VERIFIED'],
      rows.map((b) => [
        b.where,
        b.file,
        formatBytes(b.bytes),
        ago(b.createdAt, now),
        (b.components ?? []).join('+') || '-',
        b.kind ?? '-',
        b.lastVerified ? `${b.lastVerified.ok ? 'ok' : 'FAILED'} ${ago(b.lastVerified.at, now)}` : '-',
      ]),
    ),
  );
  return rows;
}

export async function runVerify(ctx: Ctx, opts: VerifyOptions, execFactory: ExecFactory): Promise<VerifyJobResult> {
  const allow = opts.allowUnencrypted;
  if (allow) await ctx.confirm(`Verify ${opts.archive} and accept it even if this stack's key does not authenticate it? ${ALLOW_UNENCRYPTED_WARNING}`);
  const exec = execFactory();
  const job = await backupContainer(ctx);
  const r = await withArchiveInVolume(ctx, exec, job, opts.archive, async (target) =>
    runJob(ctx, exec, job, ['verify', target], { passThrough: ctx.out.json, env: allowUnencryptedEnv(allow) }),
  );
  const name = path.posix.basename(r.file);
  const rows = Object.values(r.rowCounts ?? {}).reduce((a, b) => a + b, 0);
  ctx.out.line(`${name}: OK (${r.components.join('+')}; ${r.entries} entries match their sha256, ${r.objectCount} objects, ${rows} rows; pg_restore accepts the dump)`);
  return r;
}

export async function runPrune(ctx: Ctx, opts: PruneOptions, exec: ExecFactory): Promise<PruneJobResult> {
  const job = await backupContainer(ctx);
  const r = await runJob(ctx, exec(), job, ['prune', ...(opts.dryRun ? ['--dry-run'] : [])]);
  ctx.out.line(`${r.dryRun ? 'would delete' : 'deleted'} ${r.pruned.length}, kept ${r.kept.length}`);
  for (const f of r.pruned) ctx.out.line(`  - ${f}`);
  return r;
}

export async function runStatus(ctx: Ctx, exec: ExecFactory): Promise<StatusJobResult> {
  const job = await backupContainer(ctx);
  const r = await runJob(ctx, exec(), job, ['status']);
  if (!r.health.ok) ctx.exitCode = 1;
  const now = ctx.deps.now();
  ctx.out.line(`last success:  ${r.lastSuccess ? `${r.lastSuccess.at} (${ago(r.lastSuccess.at, now)}) ${r.lastSuccess.file ?? ''}`.trimEnd() : 'never'}`);
  ctx.out.line(`last failure:  ${r.lastFailure ? `${r.lastFailure.at} (${ago(r.lastFailure.at, now)}): ${r.lastFailure.reason ?? ''}` : 'none'}`);
  if (r.lastRemote) ctx.out.line(`off-site copy: ${r.lastRemote.ok ? 'ok' : `FAILED (${r.lastRemote.reason ?? ''})`} ${r.lastRemote.file} at ${r.lastRemote.at}`);
  ctx.out.line(`schedule:      ${r.schedule ?? '?'} (${r.timezone ?? 'UTC'}), next run ${r.nextRun ?? 'unknown'}`);
  if (r.restoring) {
    ctx.out.line(
      r.restoring.phase === 'committed'
        ? `restore:       ${r.restoring.archive} restored; safety archive ${r.restoring.safety} being written`
        : `restore:       ${r.restoring.archive} in progress or interrupted (phase ${r.restoring.phase}); the job settles it as it starts (if it does not: \`imctl logs backup\`, then \`imctl restart backup\`)`,
    );
  }
  ctx.out.line(`health:        ${r.health.ok ? ctx.out.paint('green', 'ok') : ctx.out.paint('yellow', 'degraded')} (${r.health.reason})`);
  return r;
}

export const backupsCommand: CommandDef = {
  register(program, f) {
    const backups = program.command('backups').description('list, verify, prune and inspect backups').addHelpText('after', exitCodeHelp());
    backups
      .command('list')
      .description('archives in the backups volume and at the off-site target, newest first')
      .option('--no-remote', 'skip the off-site listing')
      .action(f.action((ctx, _args, flags: Flags) => runList(ctx, { remote: flags.remote !== false }, f.exec)));
    backups
      .command('verify')
      .description('fully verify an archive (decrypt, every sha256, pg_restore --list) without touching live data')
      .argument('<file|name>', 'archive name in the backups volume, or a host path (copied in under a staging name, kept under its own only once verified)')
      .option('--allow-unencrypted', ALLOW_UNENCRYPTED_HELP)
      .action(f.action((ctx, args, flags) => runVerify(ctx, { archive: args[0], allowUnencrypted: Boolean(flags.allowUnencrypted) }, f.exec)));
    backups
      .command('prune')
      .description('delete archives older than the retention period, always keeping the newest KEEP_LAST')
      .option('--dry-run', 'only say what would be deleted')
      .action(f.action((ctx, _args, flags) => runPrune(ctx, { dryRun: Boolean(flags.dryRun) }, f.exec)));
    backups
      .command('status')
      .description('last success and failure, next scheduled run, and whether backups are fresh (< 26 h)')
      .action(f.action((ctx) => runStatus(ctx, f.exec)));
    return backups;
  },
};
