// imctl backups list | verify <file|name> [--allow-unencrypted] | prune [--dry-run] | status
import * as path from 'path';
import type { Command } from 'commander';
import type { App } from '../app';
import { formatBytes } from '../cli/duration';
import { renderTable } from '../cli/table';
import { ALLOW_UNENCRYPTED_HELP, ALLOW_UNENCRYPTED_WARNING, allowUnencryptedEnv, withArchiveInVolume } from '../jobClient/archiveArg';
import { exitCodeHelp } from '../jobClient/errors';
import { realExec, type ExecFactory } from '../jobClient/factory';
import { backupContainer, runJob } from '../jobClient/jobClient';

export const order = 141;

interface ListRow {
  where: 'local' | 'remote';
  file: string;
  bytes: number;
  createdAt: string;
  encrypted: boolean;
  components?: string[];
  kind?: string;
  lastVerified?: { at: string; ok: boolean; reason?: string };
}

interface StatusAnswer {
  lastSuccess?: { at: string; file?: string; bytes?: number };
  lastFailure?: { at: string; reason?: string };
  lastRemote?: { at: string; ok: boolean; file: string; reason?: string };
  nextRun?: string;
  schedule?: string;
  timezone?: string;
  /** A restore's journal: still running, interrupted, or (committed) its safety archive still being written. */
  restoring?: { archive: string; safety: string; phase: string; startedAt: string };
  health: { ok: boolean; reason: string };
}

function ago(iso: string, now: Date): string {
  const h = (now.getTime() - Date.parse(iso)) / 3_600_000;
  if (h < 1) return `${Math.max(0, Math.round(h * 60))} min ago`;
  return h < 48 ? `${h.toFixed(1)} h ago` : `${(h / 24).toFixed(1)} d ago`;
}

export function registerBackups(program: Command, app: App, execFactory: ExecFactory): void {
  const backups = program.command('backups').helpGroup('Backups:').description('list, verify, prune and inspect backups').addHelpText('after', exitCodeHelp());

  backups
    .command('list')
    .description('archives in the backups volume and at the off-site target, newest first')
    .option('--no-remote', 'skip the off-site listing')
    .action(
      app.action(async (ctx, _args, opts) => {
        const job = await backupContainer(ctx);
        const rows = (await runJob(ctx, execFactory(), job, ['list', ...(opts.remote === false ? [] : ['--remote'])])) as ListRow[];
        if (ctx.out.json) return ctx.out.data(rows);
        if (rows.length === 0) return ctx.out.line('no backups yet (run `imctl backup`)');
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
      }),
    );

  backups
    .command('verify')
    .description('fully verify an archive (decrypt, every sha256, pg_restore --list) without touching live data')
    .argument('<file|name>', 'archive name in the backups volume, or a host path (copied in under a staging name, kept under its own only once verified)')
    .option('--allow-unencrypted', ALLOW_UNENCRYPTED_HELP)
    .action(
      app.action(async (ctx, args, opts) => {
        const allow = Boolean(opts.allowUnencrypted);
        if (allow) await ctx.confirm(`Verify ${args[0]} and accept it even if this stack's key does not authenticate it? ${ALLOW_UNENCRYPTED_WARNING}`);
        const exec = execFactory();
        const job = await backupContainer(ctx);
        const r = await withArchiveInVolume(ctx, exec, job, args[0], async (target) =>
          (await runJob(ctx, exec, job, ['verify', target], { passThrough: ctx.out.json, env: allowUnencryptedEnv(allow) })) as { file: string; entries: number; objectCount: number; rowCounts: Record<string, number>; components: string[] },
        );
        if (ctx.out.json) return ctx.out.data({ type: 'result', data: r });
        const name = path.posix.basename(r.file);
        const rows = Object.values(r.rowCounts ?? {}).reduce((a, b) => a + b, 0);
        ctx.out.line(`${name}: OK (${r.components.join('+')}; ${r.entries} entries match their sha256, ${r.objectCount} objects, ${rows} rows; pg_restore accepts the dump)`);
      }),
    );

  backups
    .command('prune')
    .description('delete archives older than the retention period, always keeping the newest KEEP_LAST')
    .option('--dry-run', 'only say what would be deleted')
    .action(
      app.action(async (ctx, _args, opts) => {
        const job = await backupContainer(ctx);
        const r = (await runJob(ctx, execFactory(), job, ['prune', ...(opts.dryRun ? ['--dry-run'] : [])])) as { kept: string[]; pruned: string[]; dryRun: boolean };
        if (ctx.out.json) return ctx.out.data(r);
        ctx.out.line(`${r.dryRun ? 'would delete' : 'deleted'} ${r.pruned.length}, kept ${r.kept.length}`);
        for (const f of r.pruned) ctx.out.line(`  - ${f}`);
      }),
    );

  backups
    .command('status')
    .description('last success and failure, next scheduled run, and whether backups are fresh (< 26 h)')
    .action(
      app.action(async (ctx) => {
        const job = await backupContainer(ctx);
        const r = (await runJob(ctx, execFactory(), job, ['status'])) as StatusAnswer;
        if (!r.health.ok) ctx.exitCode = 1;
        if (ctx.out.json) return ctx.out.data(r);
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
      }),
    );
}

export function register(program: Command, app: App): void {
  registerBackups(program, app, realExec);
}
