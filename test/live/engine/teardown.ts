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

export async function teardownStack(docker: Docker, stack: string, opts: TeardownOptions = {}): Promise<TeardownReport> {
  const filters = { label: [`${LIVE_LABEL}=1`, `${STACK_LABEL}=${stack}`] };
  const containers = await docker.listContainers({ all: true, filters });
  await Promise.all(containers.map(async (c) => {
    const ct = docker.getContainer(c.Id);
    try { await ct.stop({ t: opts.graceSeconds ?? 10 }); } catch { /* already stopped */ }
    await ct.remove({ force: true });
  }));
  const networks = await docker.listNetworks({ filters });
  for (const n of networks) await docker.getNetwork(n.Id).remove();
  let volumes: string[] = [];
  if (opts.purge) {
    const vols = (await docker.listVolumes({ filters })).Volumes ?? [];
    for (const v of vols) await docker.getVolume(v.Name).remove();
    volumes = vols.map((v) => v.Name);
  }
  return { containers: containers.map((c) => c.Names[0]?.replace(/^\//, '') ?? c.Id), networks: networks.map((n) => n.Name), volumes };
}
