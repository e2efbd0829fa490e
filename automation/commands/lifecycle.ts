// imctl start | stop | restart [service...]
import { interruptible } from '../cli/interrupts';
import { parseSeconds } from '../cli/duration';
import type { Ctx } from '../context';
import type { ContainerSummary } from '../docker/dockerOps';
import { servicesHelp, startInOrder, stopInOrder } from '../lifecycle';
import { restoreNotices } from '../health/restoreState';
import { displayName, selectContainers } from '../services';
import type { CommandDef, Flags } from './factory';

async function withInterrupt(ctx: Ctx, what: string, fn: (signal: AbortSignal) => Promise<void>): Promise<void> {
  const intr = interruptible(ctx.deps.interrupts, (t) => ctx.out.progress(t), what);
  try {
    await fn(intr.signal);
  } finally {
    intr.dispose();
  }
}

export interface StartOptions {
  services: string[];
  /** How long each tier gets to become healthy. */
  timeoutSeconds: number;
}

export interface StopOptions {
  services: string[];
  /** Time each container gets to shut down before it is killed. */
  graceSeconds: number;
}

export type RestartOptions = StartOptions & StopOptions;

export interface LifecycleResult {
  /** "started", "stopped" or "restarted". */
  operation: string;
  containers: Array<{ service: string; replica?: number; container: string; state: string; health: ContainerSummary['health'] }>;
}

export function startOptions(services: string[], flags: Flags): StartOptions {
  return { services, timeoutSeconds: parseSeconds(String(flags.timeout), '--timeout') };
}

export function stopOptions(services: string[], flags: Flags): StopOptions {
  return { services, graceSeconds: parseSeconds(String(flags.grace), '--grace') };
}

export function restartOptions(services: string[], flags: Flags): RestartOptions {
  return { ...stopOptions(services, flags), ...startOptions(services, flags) };
}

async function report(ctx: Ctx, operation: string, ids: readonly string[]): Promise<LifecycleResult> {
  const after = await Promise.all(ids.map((id) => ctx.deps.docker.inspectContainer(id)));
  ctx.out.line(`${operation}: ${after.map((c) => `${displayName(c)} ${c.state}${c.health !== 'none' && c.state === 'running' ? ` (${c.health})` : ''}`).join(', ')}`);
  return { operation, containers: after.map((c) => ({ service: c.service, replica: c.replica, container: c.name, state: c.state, health: c.health })) };
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

export async function runStart(ctx: Ctx, opts: StartOptions): Promise<LifecycleResult> {
  const chosen = selectContainers(await ctx.containers(), opts.services);
  await withInterrupt(ctx, 'start', (signal) => startInOrder(ctx, chosen, { timeoutSeconds: opts.timeoutSeconds, signal }));
  const result = await report(ctx, 'started', chosen.map((c) => c.id));
  await tellRestoreState(ctx);
  return result;
}

export async function runStop(ctx: Ctx, opts: StopOptions): Promise<LifecycleResult> {
  const chosen = selectContainers(await ctx.containers(), opts.services);
  await withInterrupt(ctx, 'stop', (signal) => stopInOrder(ctx, chosen, opts.graceSeconds, signal));
  return report(ctx, 'stopped', chosen.map((c) => c.id));
}

export async function runRestart(ctx: Ctx, opts: RestartOptions): Promise<LifecycleResult> {
  const chosen = selectContainers(await ctx.containers(), opts.services);
  // Before: restarting the job interrupts a restore it is running (then rolled back).
  await tellRestoreState(ctx, chosen);
  await withInterrupt(ctx, 'restart', async (signal) => {
    await stopInOrder(ctx, chosen, opts.graceSeconds, signal);
    await startInOrder(ctx, chosen, { timeoutSeconds: opts.timeoutSeconds, signal });
  });
  const result = await report(ctx, 'restarted', chosen.map((c) => c.id));
  await tellRestoreState(ctx);
  return result;
}

export const startCommand: CommandDef = {
  register: (program, f) =>
    program
      .command('start')
      .description('start services in dependency order (data, app, edge), waiting for each tier to be healthy')
      .argument('[service...]', servicesHelp())
      .option('--timeout <duration>', 'how long to wait for each tier to become healthy', '120s')
      .action(f.action((ctx, names, flags) => runStart(ctx, startOptions(names, flags)))),
};

export const stopCommand: CommandDef = {
  register: (program, f) =>
    program
      .command('stop')
      .description('stop services in reverse dependency order (edge, app, data); data stays in the volumes')
      .argument('[service...]', servicesHelp())
      .option('--grace <duration>', 'time each container gets to shut down before it is killed', '30s')
      .action(f.action((ctx, names, flags) => runStop(ctx, stopOptions(names, flags)))),
};

export const restartCommand: CommandDef = {
  register: (program, f) =>
    program
      .command('restart')
      .description('stop services (reverse order), then start them in dependency order, waiting for health')
      .argument('[service...]', servicesHelp())
      .option('--grace <duration>', 'time each container gets to shut down before it is killed', '30s')
      .option('--timeout <duration>', 'how long to wait for each tier to become healthy', '120s')
      .action(f.action((ctx, names, flags) => runRestart(ctx, restartOptions(names, flags)))),
};
