// imctl start | stop | restart [service...]
import type { Command } from 'commander';
import type { App } from '../app';
import { interruptible } from '../cli/interrupts';
import { parseSeconds } from '../cli/duration';
import type { Ctx } from '../context';
import type { ContainerSummary } from '../docker/dockerOps';
import { startInOrder, stopInOrder } from '../lifecycle';
import { restoreNotices } from '../health/restoreState';
import { displayName, selectContainers } from '../services';

export const order = 120;

const SERVICES_HELP = 'services (postgres, redis, minio, backup, backend, web, next, nginx) or replicas (backend-2); default: all';

async function withInterrupt(ctx: Ctx, what: string, fn: (signal: AbortSignal) => Promise<void>): Promise<void> {
  const intr = interruptible(ctx.deps.interrupts, (t) => ctx.out.progress(t), what);
  try {
    await fn(intr.signal);
  } finally {
    intr.dispose();
  }
}

async function report(ctx: Ctx, action: string, ids: readonly string[]): Promise<void> {
  const after = await Promise.all(ids.map((id) => ctx.deps.docker.inspectContainer(id)));
  if (ctx.out.json) {
    ctx.out.data({ result: { operation: action, stack: ctx.stack, containers: after.map((c) => ({ service: c.service, replica: c.replica, container: c.name, state: c.state, health: c.health })) } });
  } else {
    ctx.out.line(`${action}: ${after.map((c) => `${displayName(c)} ${c.state}${c.health !== 'none' && c.state === 'running' ? ` (${c.health})` : ''}`).join(', ')}`);
  }
}

/**
 * Tells about a restore the backup job has pending or interrupted, and a maintenance page it
 * left up: `imctl start` would otherwise bring the backends back while users still get the
 * 503 page. Silent when the job is not running or its status cannot be read quickly.
 */
async function tellRestoreState(ctx: Ctx, restarting?: readonly ContainerSummary[]): Promise<void> {
  const all = await ctx.containers();
  const job = all.find((c) => c.service === 'backup' && c.state === 'running');
  const nginx = all.find((c) => c.service === 'nginx' && c.state === 'running');
  const probes = ctx.deps.probes;
  const status = job && probes.backupStatus ? await probes.backupStatus(job.id, NOTICE_TIMEOUT_MS).catch((e: Error) => {
    ctx.out.debug(`backup status: ${e.message}`);
    return undefined;
  }) : undefined;
  if (restarting) {
    const r = status?.restoring;
    if (r && r.phase !== 'committed' && restarting.some((c) => c.service === 'backup')) {
      ctx.out.warn(`a restore of ${r.archive.split('/').pop()} is running or was interrupted (phase ${r.phase}, started ${r.startedAt}): restarting the backup job interrupts it, and the job rolls it back when it starts again`);
    }
    return;
  }
  const flag = nginx && probes.maintenanceFlag ? await probes.maintenanceFlag(nginx.id, NOTICE_TIMEOUT_MS).catch(() => undefined) : undefined;
  if (!job && all.some((c) => c.service === 'backup')) ctx.out.progress('the backup job is not running: it settles interrupted restores only while it runs (`imctl start backup`)');
  for (const n of restoreNotices(status, flag, ctx.stack, nginx?.name ?? 'the nginx container')) {
    if (n.level === 'warn') ctx.out.warn(n.text);
    else ctx.out.progress(n.text);
  }
}

const NOTICE_TIMEOUT_MS = 10_000;

export function register(program: Command, app: App): void {
  program
    .command('start')
    .helpGroup('Containers:')
    .description('start services in dependency order (data, app, edge), waiting for each tier to be healthy')
    .argument('[service...]', SERVICES_HELP)
    .option('--timeout <duration>', 'how long to wait for each tier to become healthy', '120s')
    .action(
      app.action(async (ctx, names, opts) => {
        const timeoutSeconds = parseSeconds(String(opts.timeout), '--timeout');
        const chosen = selectContainers(await ctx.containers(), names);
        await withInterrupt(ctx, 'start', (signal) => startInOrder(ctx, chosen, { timeoutSeconds, signal }));
        await report(ctx, 'started', chosen.map((c) => c.id));
        await tellRestoreState(ctx);
      }),
    );

  program
    .command('stop')
    .helpGroup('Containers:')
    .description('stop services in reverse dependency order (edge, app, data); data stays in the volumes')
    .argument('[service...]', SERVICES_HELP)
    .option('--grace <duration>', 'time each container gets to shut down before it is killed', '30s')
    .action(
      app.action(async (ctx, names, opts) => {
        const grace = parseSeconds(String(opts.grace), '--grace');
        const chosen = selectContainers(await ctx.containers(), names);
        await withInterrupt(ctx, 'stop', (signal) => stopInOrder(ctx, chosen, grace, signal));
        await report(ctx, 'stopped', chosen.map((c) => c.id));
      }),
    );

  program
    .command('restart')
    .helpGroup('Containers:')
    .description('stop services (reverse order), then start them in dependency order, waiting for health')
    .argument('[service...]', SERVICES_HELP)
    .option('--grace <duration>', 'time each container gets to shut down before it is killed', '30s')
    .option('--timeout <duration>', 'how long to wait for each tier to become healthy', '120s')
    .action(
      app.action(async (ctx, names, opts) => {
        const grace = parseSeconds(String(opts.grace), '--grace');
        const timeoutSeconds = parseSeconds(String(opts.timeout), '--timeout');
        const chosen = selectContainers(await ctx.containers(), names);
        // Before: restarting the job interrupts a restore it is running (then rolled back).
        await tellRestoreState(ctx, chosen);
        await withInterrupt(ctx, 'restart', async (signal) => {
          await stopInOrder(ctx, chosen, grace, signal);
          await startInOrder(ctx, chosen, { timeoutSeconds, signal });
        });
        await report(ctx, 'restarted', chosen.map((c) => c.id));
        await tellRestoreState(ctx);
      }),
    );
}
