// The order operations follow, from the service catalogue (catalogue/): data, then app, then
// edge to start; the reverse to stop. Labels decide a container's tier; the catalogue's row order
// breaks ties inside a tier, and a service with no row sorts last.
import { isOneShot, serviceRank, tierRank } from '../catalogue';
import type { ContainerSummary } from './docker/dockerOps';
import { UsageError } from './errors';

export function compareStartOrder(a: ContainerSummary, b: ContainerSummary): number {
  return (
    tierRank(a.tier) - tierRank(b.tier) ||
    serviceRank(a.service) - serviceRank(b.service) ||
    a.service.localeCompare(b.service) ||
    (a.replica ?? 0) - (b.replica ?? 0) ||
    a.name.localeCompare(b.name)
  );
}

/** Display name of one container: service, plus replica number for replicated services. */
export function displayName(c: ContainerSummary): string {
  return c.replica !== undefined ? `${c.service}-${c.replica}` : c.service;
}

/**
 * Picks the containers a command acts on. No names means every long-running service.
 * A name may be a service (`backend`) or one replica (`backend-2`). Unknown names are a
 * usage error that lists what exists.
 */
export function selectContainers(all: readonly ContainerSummary[], names: readonly string[]): ContainerSummary[] {
  if (names.length === 0) return all.filter((c) => !isOneShot(c.service)).sort(compareStartOrder);
  const chosen = new Map<string, ContainerSummary>();
  const unknown: string[] = [];
  for (const n of names) {
    const matches = all.filter((c) => c.service === n || displayName(c) === n);
    if (matches.length === 0) unknown.push(n);
    for (const m of matches) chosen.set(m.id, m);
  }
  if (unknown.length) {
    const known = [...new Set(all.map((c) => c.service))].sort((a, b) => serviceRank(a) - serviceRank(b));
    throw new UsageError(`unknown service${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`, {
      hint: `services in this stack: ${known.join(', ') || '(none)'}`,
    });
  }
  return [...chosen.values()].sort(compareStartOrder);
}

/** Groups containers by tier, in start order. */
export function byTier(containers: readonly ContainerSummary[]): ContainerSummary[][] {
  const groups = new Map<string, ContainerSummary[]>();
  for (const c of [...containers].sort(compareStartOrder)) {
    const g = groups.get(c.tier) ?? [];
    g.push(c);
    groups.set(c.tier, g);
  }
  return [...groups.values()];
}
