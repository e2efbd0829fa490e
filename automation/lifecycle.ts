// Starting and stopping containers in dependency order, with health-gated start-up:
// a tier starts only after the tier it depends on reports healthy.
import type { Ctx } from './context';
import type { ContainerSummary } from './docker/dockerOps';
import { InterruptedError, OperationFailedError } from './errors';
import { findService, isOneShot, longRunningServices } from '../catalogue';
import { byTier, displayName } from './services';

export interface StartOptions {
  /** Seconds to wait for each tier to become healthy. */
  timeoutSeconds: number;
  signal?: AbortSignal;
}

type Readiness = 'ready' | 'waiting' | 'failed';

function readiness(c: ContainerSummary): Readiness {
  if (isOneShot(c.service)) {
    if (c.state === 'exited') return c.exitCode === 0 ? 'ready' : 'failed';
    return c.state === 'running' || c.state === 'created' ? 'waiting' : 'failed';
  }
  if (c.state === 'exited' || c.state === 'dead') return 'failed';
  if (c.state !== 'running') return 'waiting';
  if (c.health === 'healthy' || c.health === 'none') return 'ready';
  // "unhealthy" can still recover within the timeout (retries), so keep waiting.
  return 'waiting';
}

function describe(c: ContainerSummary): string {
  if (c.state !== 'running') return `${c.state}${c.exitCode !== undefined ? ` (exit ${c.exitCode})` : ''}`;
  return c.health === 'none' ? 'running' : c.health;
}

/** Waits until every container is ready; prints progress when something changes and every 5 s. */
export async function waitReady(ctx: Ctx, containers: readonly ContainerSummary[], opts: StartOptions): Promise<void> {
  const started = ctx.deps.now().getTime();
  const last = new Map<string, string>();
  let lastPrint = started;
  for (;;) {
    if (opts.signal?.aborted) throw new InterruptedError('interrupted while waiting for health');
    const current = await Promise.all(containers.map((c) => ctx.deps.docker.inspectContainer(c.id)));
    const elapsed = Math.round((ctx.deps.now().getTime() - started) / 1000);
    const pending = current.filter((c) => readiness(c) !== 'ready');
    const failed = current.find((c) => readiness(c) === 'failed');
    for (const c of current) {
      const d = describe(c);
      if (last.get(c.id) !== d) {
        last.set(c.id, d);
        if (readiness(c) === 'ready') ctx.out.progress(`  ${ctx.out.paint('green', '✓')} ${displayName(c)} ${d} (${elapsed}s)`);
      }
    }
    if (failed) {
      throw new OperationFailedError(`${displayName(failed)} stopped while starting: ${describe(failed)}`, { hint: `see \`imctl logs ${failed.service} --tail 50\`` });
    }
    if (pending.length === 0) return;
    if (elapsed >= opts.timeoutSeconds) {
      const list = pending.map((c) => `${displayName(c)} (${describe(c)})`).join(', ');
      throw new OperationFailedError(`not healthy after ${opts.timeoutSeconds}s: ${list}`, { hint: `see \`imctl logs ${pending[0].service} --tail 50\`, or raise --timeout` });
    }
    const now = ctx.deps.now().getTime();
    if (now - lastPrint >= 5000) {
      lastPrint = now;
      ctx.out.progress(`  … waiting for ${pending.map((c) => `${displayName(c)} (${describe(c)})`).join(', ')} ${elapsed}s`);
    }
    await ctx.deps.sleep(1000);
  }
}

/** Starts data, then app, then edge; each tier must be healthy before the next starts. */
export async function startInOrder(ctx: Ctx, containers: readonly ContainerSummary[], opts: StartOptions): Promise<void> {
  const deferred: ContainerSummary[] = [];
  for (const tier of byTier(containers)) {
    for (const c of tier) {
      if (opts.signal?.aborted) throw new InterruptedError('start interrupted');
      ctx.out.progress(`starting ${displayName(c)} (${c.name})`);
      await ctx.deps.docker.start(c.id);
    }
    // Nothing depends on the backup job, so its (slow) health does not hold up the next tier.
    deferred.push(...tier.filter((c) => deferHealthWait(c.service)));
    await waitReady(ctx, tier.filter((c) => !deferHealthWait(c.service)), opts);
  }
  if (deferred.length) await waitReady(ctx, deferred, opts);
}

/** Services no other service needs in order to start (the catalogue's deferHealthWait). */
function deferHealthWait(service: string): boolean {
  return findService(service)?.deferHealthWait === true;
}

/** The `[service...]` argument's help of start, stop and restart, from the catalogue. */
export function servicesHelp(): string {
  return `services (${longRunningServices().join(', ')}) or replicas (backend-2); default: all`;
}

/** Stops edge, then app, then data, so nothing serves requests it cannot complete. */
export async function stopInOrder(ctx: Ctx, containers: readonly ContainerSummary[], graceSeconds: number, signal?: AbortSignal): Promise<void> {
  const tiers = byTier(containers).reverse();
  for (const tier of tiers) {
    for (const c of [...tier].reverse()) {
      if (signal?.aborted) throw new InterruptedError('stop interrupted');
      if (c.state !== 'running' && c.state !== 'restarting' && c.state !== 'paused') {
        ctx.out.progress(`  ${displayName(c)} already ${c.state}`);
        continue;
      }
      ctx.out.progress(`stopping ${displayName(c)} (${c.name})`);
      await ctx.deps.docker.stop(c.id, graceSeconds);
    }
  }
}
