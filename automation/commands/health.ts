// imctl health: real checks of every part of the stack; exit 0 healthy, 1 degraded, 2 down.
import { parseSeconds, parseSize } from '../cli/duration';
import { renderTable } from '../cli/table';
import type { Ctx } from '../context';
import { runHealth, type CheckStatus, type HealthReport } from '../health/checks';
import { configuredMonitoring } from '../health/monitoringConfig';
import type { CommandDef, Flags } from './factory';

export interface HealthOptions {
  /** Free disk below this on the Docker data root or the backups volume is degraded. */
  minFreeBytes: number;
  /** Timeout of each network check. */
  timeoutMs: number;
}

export function healthOptions(flags: Flags): HealthOptions {
  return { minFreeBytes: parseSize(String(flags.minFree), '--min-free'), timeoutMs: parseSeconds(String(flags.timeout), '--timeout') * 1000 };
}

export async function checkHealth(ctx: Ctx, opts: HealthOptions): Promise<HealthReport> {
  // An unreadable stack file leaves it to the containers: alerts are read when an Alertmanager runs.
  const monitoring = configuredMonitoring(ctx.deps.projectDir, ctx.stack);
  const report = await runHealth({ stack: ctx.stack, ...opts, monitoring }, { docker: ctx.deps.docker, probes: ctx.deps.probes, redactor: ctx.redactor, now: ctx.deps.now });
  ctx.exitCode = report.exitCode;
  if (ctx.out.json) return report;
  const colour: Record<CheckStatus, Parameters<typeof ctx.out.paint>[0]> = { ok: 'green', degraded: 'yellow', down: 'red', skipped: 'gray' };
  ctx.out.line(renderTable(['CHECK', 'STATUS', 'DETAIL'], report.checks.map((c) => [c.name, ctx.out.paint(colour[c.status], c.status), c.detail])));
  const overall = report.status === 'healthy' ? ctx.out.paint('green', 'healthy') : report.status === 'degraded' ? ctx.out.paint('yellow', 'degraded') : ctx.out.paint('red', 'down');
  ctx.out.line('');
  ctx.out.line(`stack ${ctx.stack}: ${overall} (exit ${report.exitCode})`);
  return report;
}

export const healthCommand: CommandDef = {
  register: (program, f) =>
    program
      .command('health')
      .description('check what users get (the maintenance flag, a page and an API route through nginx) and every part behind it: containers, a postgres query, redis PING, the bucket, backend /health, backup age, disk, ports and, with monitoring on, the firing alerts; exit 0 healthy, 1 degraded, 2 down')
      .option('--min-free <size>', 'free disk below this on the Docker data root or the backups volume is degraded', '1GiB')
      .option('--timeout <duration>', 'timeout of each network check', '5s')
      .action(f.action((ctx, _args, flags) => checkHealth(ctx, healthOptions(flags)))),
};
