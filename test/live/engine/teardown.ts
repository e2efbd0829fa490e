// Removes what a live run created for a stack: containers and networks always, volumes
// only when purging. Only objects carrying the live layer's label are touched.
import Docker from 'dockerode';
import { LIVE_LABEL, STACK_LABEL } from './resources/labels';

export interface TeardownOptions {
  /** Also remove the stack's volumes (its data). */
  readonly purge?: boolean;
  /** Seconds containers get to stop gracefully. */
  readonly graceSeconds?: number;
}

export interface TeardownReport {
  readonly containers: string[];
  readonly networks: string[];
  readonly volumes: string[];
}

export interface KnownObjects {
  readonly containers: readonly string[];
  readonly networks: readonly string[];
  readonly volumes: readonly string[];
}

/**
 * Everything labelled for the stack, plus the objects this run recorded (a program may
 * label differently); both only among objects that carry the live layer's own label.
 */
export async function teardownStack(docker: Docker, stack: string, opts: TeardownOptions = {}, known: KnownObjects = { containers: [], networks: [], volumes: [] }): Promise<TeardownReport> {
  const filters = { label: [`${LIVE_LABEL}=1`, `${STACK_LABEL}=${stack}`] };
  const liveOnly = { label: [`${LIVE_LABEL}=1`] };
  const byLabel = await docker.listContainers({ all: true, filters });
  const recorded = (await docker.listContainers({ all: true, filters: liveOnly })).filter((c) => known.containers.includes(c.Id));
  const containers = [...new Map([...byLabel, ...recorded].map((c) => [c.Id, c])).values()];
  await Promise.all(containers.map(async (c) => {
    const ct = docker.getContainer(c.Id);
    try { await ct.stop({ t: opts.graceSeconds ?? 10 }); } catch { /* already stopped */ }
    await ct.remove({ force: true });
  }));
  const networks = [...new Map([...(await docker.listNetworks({ filters })), ...(await docker.listNetworks({ filters: liveOnly })).filter((n) => known.networks.includes(n.Id))].map((n) => [n.Id, n])).values()];
  for (const n of networks) await docker.getNetwork(n.Id).remove();
  let volumes: string[] = [];
  if (opts.purge) {
    const all = [...((await docker.listVolumes({ filters })).Volumes ?? []), ...((await docker.listVolumes({ filters: liveOnly })).Volumes ?? []).filter((v) => known.volumes.includes(v.Name))];
    const vols = [...new Map(all.map((v) => [v.Name, v])).values()];
    for (const v of vols) await docker.getVolume(v.Name).remove();
    volumes = vols.map((v) => v.Name);
  }
  return { containers: containers.map((c) => c.Names[0]?.replace(/^\//, '') ?? c.Id), networks: networks.map((n) => n.Name), volumes };
}
