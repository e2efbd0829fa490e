// imctl health: real checks of every part of the stack; exit 0 healthy, 1 degraded, 2 down.
import type { Command } from 'commander';
import type { App } from '../app';
import { parseSeconds, parseSize } from '../cli/duration';
import { renderTable } from '../cli/table';
import { runHealth, type CheckStatus } from '../health/checks';

export const order = 200;

export function register(program: Command, app: App): void {
  program
    .command('health')
    .helpGroup('Health and diagnostics:')
    .description('check what users get (the maintenance flag, a page and an API route through nginx) and every part behind it: containers, a postgres query, redis PING, the bucket, backend /health, backup age, disk and ports; exit 0 healthy, 1 degraded, 2 down')
    .option('--min-free <size>', 'free disk below this on the Docker data root or the backups volume is degraded', '1GiB')
    .option('--timeout <duration>', 'timeout of each network check', '5s')
    .action(
      app.action(async (ctx, _args, opts) => {
        const minFreeBytes = parseSize(String(opts.minFree), '--min-free');
        const timeoutMs = parseSeconds(String(opts.timeout), '--timeout') * 1000;
        const report = await runHealth({ stack: ctx.stack, minFreeBytes, timeoutMs }, { docker: ctx.deps.docker, probes: ctx.deps.probes, redactor: ctx.redactor, now: ctx.deps.now });
        ctx.exitCode = report.exitCode;
        if (ctx.out.json) {
          ctx.out.data(report);
          return;
        }
        const colour: Record<CheckStatus, Parameters<typeof ctx.out.paint>[0]> = { ok: 'green', degraded: 'yellow', down: 'red', skipped: 'gray' };
        ctx.out.line(renderTable(['CHECK', 'STATUS', 'DETAIL'], report.checks.map((c) => [c.name, ctx.out.paint(colour[c.status], c.status), c.detail])));
        const overall = report.status === 'healthy' ? ctx.out.paint('green', 'healthy') : report.status === 'degraded' ? ctx.out.paint('yellow', 'degraded') : ctx.out.paint('red', 'down');
        ctx.out.line('');
        ctx.out.line(`stack ${ctx.stack}: ${overall} (exit ${report.exitCode})`);
      }),
    );
}
