// The checks that look at what users get: a page and an API route through nginx, and nginx's
// maintenance flag. `/health` alone is not enough: nginx passes it to the backend even while
// every other route answers the 503 maintenance page.
import type { ContainerSummary } from '../docker/dockerOps';
import type { CheckResult, HealthDeps, HealthOptions } from './report';
import { resolveEndpoint } from './endpoints';
import type { BackupStatusAnswer, HttpAnswer } from './probes';
import { maintenanceWhy } from './restoreState';

/** An API route any visitor may call: the backend answers 401 without a token. */
export const API_PROBE_PATH = '/api/me';

const isMaintenancePage = (res: HttpAnswer): boolean => res.status === 503 && /maintenance/i.test(res.body);

function message(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0];
}

function nginxBase(containers: readonly ContainerSummary[], stack: string): { url?: string; problem?: string } {
  const nginx = containers.find((c) => c.service === 'nginx');
  if (!nginx) return { problem: 'no nginx container' };
  if (nginx.state !== 'running') return { problem: `nginx is ${nginx.state}` };
  const ep = resolveEndpoint(nginx, 80, [`imstack-${stack}-edge`]);
  return ep ? { url: `http://${ep.host}:${ep.port}` } : { problem: 'nginx has no reachable address' };
}

/** The front page users open: the web client at `/`, else the Next.js app at `/next`. */
export async function pageCheck(containers: readonly ContainerSummary[], deps: HealthDeps, opts: HealthOptions): Promise<CheckResult> {
  const path = containers.some((c) => c.service === 'web') ? '/' : containers.some((c) => c.service === 'next') ? '/next' : undefined;
  const name = `page ${path ?? '/'} via nginx`;
  if (!path) return { name, status: 'skipped', detail: 'neither the web client nor the Next.js app is deployed' };
  const base = nginxBase(containers, opts.stack);
  if (!base.url) return { name, status: 'down', detail: base.problem ?? 'unreachable' };
  const url = `${base.url}${path}`;
  try {
    const res = await deps.probes.http(url, opts.timeoutMs);
    if (isMaintenancePage(res)) return { name, status: 'down', detail: `503 maintenance page from ${url}` };
    if (res.status >= 200 && res.status < 400) return { name, status: 'ok', detail: `${res.status} from ${url}` };
    return { name, status: res.status >= 500 ? 'down' : 'degraded', detail: `${res.status} from ${url}` };
  } catch (e) {
    return { name, status: 'down', detail: `${url}: ${message(e)}` };
  }
}

/** An API route through nginx: the backend must answer it (401 unauthenticated, or 200). */
export async function apiCheck(containers: readonly ContainerSummary[], deps: HealthDeps, opts: HealthOptions): Promise<CheckResult> {
  const name = `api ${API_PROBE_PATH} via nginx`;
  const base = nginxBase(containers, opts.stack);
  if (!base.url) return { name, status: 'down', detail: base.problem ?? 'unreachable' };
  const url = `${base.url}${API_PROBE_PATH}`;
  try {
    const res = await deps.probes.http(url, opts.timeoutMs);
    if (isMaintenancePage(res)) return { name, status: 'down', detail: `503 maintenance page from ${url}` };
    if (res.status === 401 || res.status === 200) return { name, status: 'ok', detail: `${res.status} from the backend (${url})` };
    if (res.status === 502 || res.status === 504) return { name, status: 'down', detail: `${res.status} from ${url} (backend unreachable behind nginx)` };
    if (res.status === 429) return { name, status: 'degraded', detail: `429 from ${url} (rate limited)` };
    return { name, status: res.status >= 500 ? 'down' : 'degraded', detail: `${res.status} from ${url}` };
  } catch (e) {
    return { name, status: 'down', detail: `${url}: ${message(e)}` };
  }
}

/** Down while nginx's maintenance flag is set: users get the 503 page whatever else is healthy. */
export async function maintenanceCheck(containers: readonly ContainerSummary[], deps: HealthDeps, opts: HealthOptions, job: { status?: BackupStatusAnswer }): Promise<CheckResult> {
  const name = 'maintenance';
  const nginx = containers.filter((c) => c.service === 'nginx' && c.state === 'running');
  if (nginx.length === 0) return { name, status: 'skipped', detail: 'nginx is not running' };
  if (!deps.probes.maintenanceFlag) return { name, status: 'skipped', detail: 'the maintenance flag cannot be read here' };
  for (const n of nginx) {
    let flag;
    try {
      flag = await deps.probes.maintenanceFlag(n.id, opts.timeoutMs);
    } catch (e) {
      return { name, status: 'degraded', detail: `cannot read the maintenance flag in ${n.name}: ${message(e)}` };
    }
    if (!flag) continue;
    const minutes = Math.max(0, Math.round((deps.now().getTime() - Date.parse(flag.since)) / 60_000));
    return { name, status: 'down', detail: `on since ${flag.since} (${minutes} min): ${maintenanceWhy(job.status, n.name)}` };
  }
  return { name, status: 'ok', detail: 'off' };
}
