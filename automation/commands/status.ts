// imctl status: one row per container.
import { formatUptime } from '../cli/duration';
import { renderTable } from '../cli/table';
import type { Ctx } from '../context';
import type { ContainerSummary, PortBinding } from '../docker/dockerOps';
import { compareStartOrder, displayName } from '../services';
import type { CommandDef } from './factory';

/** status takes no options of its own. */
export type StatusOptions = Record<string, never>;

export interface StatusRow {
  service: string;
  replica: number | null;
  tier: ContainerSummary['tier'];
  container: string;
  state: string;
  health: ContainerSummary['health'];
  exitCode: number | null;
  startedAt: string | null;
  uptimeSeconds: number | null;
  ports: PortBinding[];
}

export function formatPorts(ports: readonly PortBinding[]): string {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const p of ports) {
    // Docker lists 0.0.0.0 and :: bindings of the same port separately.
    const host = p.hostIp === '' || p.hostIp === '0.0.0.0' || p.hostIp === '::' ? '0.0.0.0' : p.hostIp;
    const text = `${host}:${p.hostPort}->${p.containerPort}/${p.protocol}`;
    if (!seen.has(text)) {
      seen.add(text);
      out.push(text);
    }
  }
  return out.join(', ');
}

function uptimeSeconds(c: ContainerSummary, now: Date): number | undefined {
  return c.startedAt ? Math.max(0, (now.getTime() - Date.parse(c.startedAt)) / 1000) : undefined;
}

function stateCell(ctx: Ctx, c: ContainerSummary): string {
  if (c.state === 'running') return ctx.out.paint('green', 'running');
  const text = c.exitCode !== undefined ? `${c.state} (${c.exitCode})` : c.state;
  return ctx.out.paint(c.exitCode === 0 ? 'gray' : 'red', text);
}

function healthCell(ctx: Ctx, c: ContainerSummary): string {
  if (c.health === 'healthy') return ctx.out.paint('green', 'healthy');
  if (c.health === 'unhealthy') return ctx.out.paint('red', 'unhealthy');
  if (c.health === 'starting') return ctx.out.paint('yellow', 'starting');
  return '-';
}

export async function runStatus(ctx: Ctx, _opts: StatusOptions = {}): Promise<StatusRow[]> {
  const containers = (await ctx.containers()).sort(compareStartOrder);
  const now = ctx.deps.now();
  const rows = containers.map((c): StatusRow => {
    const up = uptimeSeconds(c, now);
    return {
      service: c.service,
      replica: c.replica ?? null,
      tier: c.tier,
      container: c.name,
      state: c.state,
      health: c.health,
      exitCode: c.exitCode ?? null,
      startedAt: c.startedAt ?? null,
      uptimeSeconds: up === undefined ? null : Math.round(up),
      ports: c.ports,
    };
  });
  ctx.out.line(
    renderTable(
      ['SERVICE', 'CONTAINER', 'STATE', 'HEALTH', 'UPTIME', 'PORTS'],
      containers.map((c) => {
        const up = uptimeSeconds(c, now);
        return [displayName(c), c.name, stateCell(ctx, c), healthCell(ctx, c), up === undefined ? '-' : formatUptime(up), formatPorts(c.ports) || '-'];
      }),
    ),
  );
  return rows;
}

export const statusCommand: CommandDef = {
  register: (program, f) =>
    program
      .command('status')
      .description('show every container of the stack: service, container, state, health, uptime, ports')
      .action(f.action((ctx) => runStatus(ctx))),
};
