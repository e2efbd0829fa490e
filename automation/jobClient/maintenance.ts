// The restore hooks, answered from outside the job container: maintenance on = nginx serves
// its 503 page (a flag file nginx checks on every request) and the backends stop, so nothing
// writes while the database and objects are swapped; off = the reverse, backends healthy first.
import type { Ctx } from '../context';
import { OperationFailedError } from '../errors';
import { waitReady } from '../lifecycle';
import { MAINTENANCE_FLAG } from '../backup/contract';
import type { ContainerExec } from './containerExec';

export interface MaintenanceOptions {
  /** Seconds the backends get to stop, and to become healthy again. */
  graceSeconds: number;
  timeoutSeconds: number;
}

async function nginxExec(ctx: Ctx, exec: ContainerExec, cmd: string[]): Promise<void> {
  const nginx = (await ctx.containers()).filter((c) => c.service === 'nginx' && c.state === 'running');
  if (nginx.length === 0) throw new OperationFailedError('no running nginx container to show the maintenance page');
  for (const n of nginx) {
    const out: string[] = [];
    const code = await exec.run(n.id, cmd, { stdin: false }, (l) => void out.push(l.text));
    if (code !== 0) throw new OperationFailedError(`${cmd.join(' ')} in ${n.name} exited ${code}: ${out.join(' ').slice(0, 200)}`);
  }
}

export async function enterMaintenance(ctx: Ctx, exec: ContainerExec, opts: MaintenanceOptions): Promise<void> {
  ctx.out.progress('maintenance on: nginx serves the 503 page, stopping the backends');
  await nginxExec(ctx, exec, ['touch', MAINTENANCE_FLAG]);
  for (const b of (await ctx.containers()).filter((c) => c.service === 'backend' && c.state === 'running')) {
    ctx.out.progress(`  stopping ${b.name}`);
    await ctx.deps.docker.stop(b.id, opts.graceSeconds);
  }
}

export async function leaveMaintenance(ctx: Ctx, exec: ContainerExec, opts: MaintenanceOptions): Promise<void> {
  ctx.out.progress('maintenance off: starting the backends');
  const backends = (await ctx.containers()).filter((c) => c.service === 'backend');
  for (const b of backends) await ctx.deps.docker.start(b.id);
  try {
    await waitReady(ctx, backends, { timeoutSeconds: opts.timeoutSeconds });
  } finally {
    // Even when a backend is slow, the maintenance page must not outlive the restore;
    // nginx then answers 502 for the API, which `imctl health` reports.
    await nginxExec(ctx, exec, ['rm', '-f', MAINTENANCE_FLAG]);
  }
}
