// `imctl health`: every check, its severity and the overall verdict. Failing checks on the
// request path that nothing can work without (nginx, the backend, postgres) make the stack
// "down"; any other failure makes it "degraded".
import { formatBytes } from '../cli/duration';
import type { ContainerSummary } from '../docker/dockerOps';
import { isCritical, isOneShot, portOf, serviceRows } from '../../catalogue';
import { displayName, compareStartOrder } from '../services';
import { alertChecks } from './alerts';
import { hostAddress, parseConnectionUrl, resolveEndpoint } from './endpoints';
import type { BackupStatusAnswer } from './probes';
import type { CheckResult, CheckStatus, HealthDeps, HealthOptions, HealthReport } from './report';
import { apiCheck, maintenanceCheck, pageCheck } from './userChecks';
import { MAX_SUCCESS_AGE_HOURS } from '../backup/status';

export type { CheckResult, CheckStatus, HealthDeps, HealthOptions, HealthReport } from './report';

/** A critical service's loss (catalogue row `critical`) takes the whole stack down. */
function failure(service: string): CheckStatus {
  return isCritical(service) ? 'down' : 'degraded';
}

function message(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0];
}

function containerChecks(containers: readonly ContainerSummary[]): CheckResult[] {
  const results: CheckResult[] = [];
  const backends = containers.filter((c) => c.service === 'backend');
  const liveBackends = backends.filter((c) => c.state === 'running' && c.health !== 'unhealthy');
  for (const c of [...containers].sort(compareStartOrder)) {
    const name = `container ${displayName(c)}`;
    if (isOneShot(c.service)) {
      const done = c.state === 'exited' && c.exitCode === 0;
      if (c.state !== 'running') {
        results.push({ name, status: done ? 'ok' : 'degraded', detail: done ? 'completed (exit 0)' : `${c.state}, exit ${c.exitCode ?? '?'}` });
      }
      continue;
    }
    const ok = c.state === 'running' && (c.health === 'healthy' || c.health === 'none');
    let status: CheckStatus = ok ? 'ok' : failure(c.service);
    // One lost replica out of several is degraded, not down.
    if (!ok && c.service === 'backend' && liveBackends.length > 0) status = 'degraded';
    results.push({ name, status, detail: c.state === 'running' ? `running, ${c.health === 'none' ? 'no healthcheck' : c.health}` : `${c.state}${c.exitCode !== undefined ? `, exit ${c.exitCode}` : ''}` });
  }
  return results;
}

/** Network aliases of the object-store engines that run in the stack (catalogue rows providing s3). */
function localS3Services(): string[] {
  return serviceRows().filter((r) => r.provides === 's3' && r.alias).map((r) => r.alias!.name);
}

function findService(containers: readonly ContainerSummary[], host: string): ContainerSummary | undefined {
  return containers.find((c) => c.service === host || c.name === host) ;
}

export async function runHealth(opts: HealthOptions, deps: HealthDeps): Promise<HealthReport> {
  const containers = await deps.docker.listContainers(opts.stack);
  const checks: CheckResult[] = [];
  if (containers.length === 0) {
    checks.push({ name: 'containers', status: 'down', detail: `no containers labelled com.imstack.stack=${opts.stack} (not deployed? run \`imctl up\`)` });
    return verdict(opts.stack, checks);
  }
  checks.push(...containerChecks(containers));

  const backend = [...containers].filter((c) => c.service === 'backend').sort((a, b) => Number(b.state === 'running') - Number(a.state === 'running'))[0];
  const env = backend ? await deps.docker.containerEnv(backend.id) : {};
  for (const k of ['DATABASE_URL', 'REDIS_URL', 'S3_ACCESS_KEY', 'S3_SECRET_KEY', 'JWT_SECRET', 'JWT_SECRET_PREVIOUS']) deps.redactor.add(env[k]);
  const backendNets = backend ? Object.keys(backend.networks) : [];
  const dataNet = `imstack-${opts.stack}-data`;
  const prefer = [dataNet, ...backendNets];

  const reach = (host: string, port: number): { target?: ContainerSummary; endpoint?: ReturnType<typeof resolveEndpoint>; problem?: string } => {
    const target = findService(containers, host);
    if (!target) return { problem: `no container for service ${host}` };
    if (target.state !== 'running') return { target, problem: `${displayName(target)} is ${target.state}` };
    const endpoint = resolveEndpoint(target, port, prefer);
    return endpoint ? { target, endpoint } : { target, problem: `${displayName(target)} has no reachable address` };
  };

  // PostgreSQL: a real query with the backend's own credentials.
  const db = parseConnectionUrl(env.DATABASE_URL, portOf('postgres'));
  if (!db) {
    checks.push({ name: 'postgres query', status: backend ? 'down' : 'skipped', detail: backend ? 'backend has no usable DATABASE_URL' : 'no backend container to read credentials from' });
  } else {
    deps.redactor.add(db.password);
    const r = reach(db.host, db.port);
    if (!r.endpoint) checks.push({ name: 'postgres query', status: 'down', detail: r.problem ?? 'unreachable' });
    else {
      const started = Date.now();
      try {
        const version = await deps.probes.postgres({ host: r.endpoint.host, port: r.endpoint.port, user: db.user, password: db.password, database: db.path || 'postgres' }, opts.timeoutMs);
        checks.push({ name: 'postgres query', status: 'ok', detail: `PostgreSQL ${version}, ${Date.now() - started} ms via ${r.endpoint.via}` });
      } catch (e) {
        checks.push({ name: 'postgres query', status: 'down', detail: message(e) });
      }
    }
  }

  // Redis PING.
  const rd = parseConnectionUrl(env.REDIS_URL, portOf('redis'));
  if (!rd) {
    checks.push({ name: 'redis ping', status: backend ? 'degraded' : 'skipped', detail: backend ? 'backend has no usable REDIS_URL' : 'no backend container to read credentials from' });
  } else {
    deps.redactor.add(rd.password);
    const r = reach(rd.host, rd.port);
    if (!r.endpoint) checks.push({ name: 'redis ping', status: 'degraded', detail: r.problem ?? 'unreachable' });
    else {
      try {
        await deps.probes.redis({ host: r.endpoint.host, port: r.endpoint.port, password: rd.password || undefined, db: Number(rd.path) || 0 }, opts.timeoutMs);
        checks.push({ name: 'redis ping', status: 'ok', detail: `PONG via ${r.endpoint.via}` });
      } catch (e) {
        checks.push({ name: 'redis ping', status: 'degraded', detail: message(e) });
      }
    }
  }

  // Object storage: the bucket the backend uses, with its credentials.
  if (!env.S3_ENDPOINT || !env.S3_BUCKET) {
    checks.push({ name: 'bucket', status: backend ? 'degraded' : 'skipped', detail: backend ? 'backend has no S3_ENDPOINT/S3_BUCKET' : 'no backend container to read credentials from' });
  } else {
    const port = Number(env.S3_PORT || portOf('minio'));
    // A local engine's endpoint is a container of the stack; anything else is an external
    // store (objectStore.engine external), reached directly as the backend reaches it.
    const r = localS3Services().includes(env.S3_ENDPOINT) || findService(containers, env.S3_ENDPOINT)
      ? reach(env.S3_ENDPOINT, port)
      : { endpoint: { host: env.S3_ENDPOINT, port, via: `external store ${env.S3_ENDPOINT}:${port}` } };
    if (!r.endpoint) checks.push({ name: 'bucket', status: 'degraded', detail: r.problem ?? 'unreachable' });
    else {
      try {
        const exists = await deps.probes.bucket({ endPoint: r.endpoint.host, port: r.endpoint.port, useSSL: env.S3_USE_SSL === 'true', accessKey: env.S3_ACCESS_KEY ?? '', secretKey: env.S3_SECRET_KEY ?? '', bucket: env.S3_BUCKET, region: env.S3_REGION }, opts.timeoutMs);
        checks.push({ name: 'bucket', status: exists ? 'ok' : 'degraded', detail: exists ? `${env.S3_BUCKET} reachable via ${r.endpoint.via}` : `bucket ${env.S3_BUCKET} does not exist` });
      } catch (e) {
        checks.push({ name: 'bucket', status: 'degraded', detail: message(e) });
      }
    }
  }

  // What users get: the maintenance flag, a page and an API route, then the backend's own /health.
  const job = await readJobStatus(containers, deps, opts);
  checks.push(await maintenanceCheck(containers, deps, opts, job));
  checks.push(await pageCheck(containers, deps, opts));
  checks.push(await apiCheck(containers, deps, opts));
  checks.push(await backendThroughNginx(containers, deps, opts));
  checks.push(backupAgeCheck(containers, deps, job));
  checks.push(...(await diskChecks(deps, opts)));
  checks.push(...(await portChecks(containers, deps, opts)));
  const firing = await alertChecks(containers, deps, opts);
  checks.push(...firing.checks);
  const report = verdict(opts.stack, checks);
  return firing.alerts ? { ...report, alerts: firing.alerts } : report;
}

async function backendThroughNginx(containers: readonly ContainerSummary[], deps: HealthDeps, opts: HealthOptions): Promise<CheckResult> {
  const name = 'backend /health via nginx';
  const nginx = containers.find((c) => c.service === 'nginx');
  if (!nginx) return { name, status: 'down', detail: 'no nginx container' };
  if (nginx.state !== 'running') return { name, status: 'down', detail: `nginx is ${nginx.state}` };
  const ep = resolveEndpoint(nginx, portOf('nginx'), [`imstack-${opts.stack}-edge`]);
  if (!ep) return { name, status: 'down', detail: 'nginx has no reachable address' };
  const url = `http://${ep.host}:${ep.port}/health`;
  try {
    const res = await deps.probes.http(url, opts.timeoutMs);
    let body: { status?: string; checks?: Record<string, string> } | undefined;
    try {
      body = JSON.parse(res.body) as typeof body;
    } catch {
      body = undefined;
    }
    if (res.status === 200) return { name, status: 'ok', detail: `200 from ${url}` };
    if (body?.checks) {
      // The backend answered and named what failed: degraded, not down.
      const failing = Object.entries(body.checks).filter(([, v]) => v !== 'ok').map(([k, v]) => `${k}: ${v}`);
      return { name, status: 'degraded', detail: `${res.status}: ${failing.join('; ') || body.status || 'unhealthy'}` };
    }
    return { name, status: 'down', detail: `${res.status} from ${url} (backend unreachable behind nginx)` };
  } catch (e) {
    return { name, status: 'down', detail: `${url}: ${message(e)}` };
  }
}

/** The backup job's status, read once for the maintenance and backup-age checks. */
interface JobStatus {
  status?: BackupStatusAnswer;
  /** Why there is no status: the check that needs it reports this. */
  problem?: { status: CheckStatus; detail: string };
}

async function readJobStatus(containers: readonly ContainerSummary[], deps: HealthDeps, opts: HealthOptions): Promise<JobStatus> {
  const job = containers.find((c) => c.service === 'backup');
  if (!job) return { problem: { status: 'skipped', detail: 'no backup job container (backups disabled?)' } };
  if (job.state !== 'running') return { problem: { status: 'degraded', detail: `backup job is ${job.state}: nothing is scheduled` } };
  if (!deps.probes.backupStatus) return { problem: { status: 'skipped', detail: 'backup status cannot be read here' } };
  try {
    return { status: await deps.probes.backupStatus(job.id, opts.timeoutMs) };
  } catch (e) {
    return { problem: { status: 'degraded', detail: `cannot read the backup status: ${message(e)}` } };
  }
}

/** Degraded when the last successful backup is older than 26 h (a daily job plus slack), or missing 26 h after the job started. */
function backupAgeCheck(containers: readonly ContainerSummary[], deps: HealthDeps, job: JobStatus): CheckResult {
  const name = 'backup age';
  const st = job.status;
  if (!st) return { name, ...(job.problem ?? { status: 'skipped', detail: 'no backup status' }) };
  const started = containers.find((c) => c.service === 'backup')?.startedAt;
  const ageH = st.lastSuccess ? (deps.now().getTime() - Date.parse(st.lastSuccess.at)) / 3_600_000 : NaN;
  // A new deployment has had no chance to back up yet: it gets the same 26 h from the job's
  // start, unless a run already failed.
  const sinceStartH = started ? (deps.now().getTime() - Date.parse(started)) / 3_600_000 : NaN;
  const h = !st.lastSuccess
    ? (!st.lastFailure && sinceStartH <= MAX_SUCCESS_AGE_HOURS
      ? { ok: true, reason: `no backup yet; the job started ${sinceStartH.toFixed(1)} h ago` }
      : { ok: false, reason: 'no successful backup yet' })
    : ageH <= MAX_SUCCESS_AGE_HOURS
      ? { ok: true, reason: `last successful backup ${ageH.toFixed(1)} h ago` }
      : { ok: false, reason: `last successful backup is ${Number.isNaN(ageH) ? '?' : ageH.toFixed(1)} h old (limit ${MAX_SUCCESS_AGE_HOURS} h)` };
  const failedSince = st.lastFailure && (!st.lastSuccess || Date.parse(st.lastFailure.at) > Date.parse(st.lastSuccess.at));
  const detail = `${h.reason}${st.lastSuccess?.file ? ` (${st.lastSuccess.file})` : ''}${failedSince ? `; last run failed: ${message(st.lastFailure?.reason ?? 'unknown reason')}` : ''}`;
  return { name, status: h.ok ? 'ok' : 'degraded', detail };
}

async function diskChecks(deps: HealthDeps, opts: HealthOptions): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  const places: Array<[string, string | undefined]> = [];
  places.push(['disk docker data root', await deps.docker.dataRoot()]);
  const vols = await deps.docker.listVolumes(opts.stack);
  const backups = vols.find((v) => v.name === `imstack-${opts.stack}-backups`);
  places.push(['disk backups volume', backups?.mountpoint]);
  for (const [name, path] of places) {
    if (!path) {
      out.push({ name, status: 'skipped', detail: 'volume not found' });
      continue;
    }
    const space = await deps.probes.disk(path);
    if (!space) {
      out.push({ name, status: 'skipped', detail: `${path} is not on this machine (remote Docker host?)` });
      continue;
    }
    const low = space.freeBytes < opts.minFreeBytes;
    out.push({ name, status: low ? 'degraded' : 'ok', detail: `${formatBytes(space.freeBytes)} free of ${formatBytes(space.totalBytes)} (threshold ${formatBytes(opts.minFreeBytes)})` });
  }
  return out;
}

async function portChecks(containers: readonly ContainerSummary[], deps: HealthDeps, opts: HealthOptions): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  const seen = new Set<string>();
  for (const c of [...containers].sort(compareStartOrder)) {
    if (isOneShot(c.service)) continue;
    for (const p of c.publishedPorts) {
      if (p.protocol !== 'tcp') continue;
      const host = hostAddress(p.hostIp);
      const key = `${host}:${p.hostPort}`;
      if (seen.has(key)) continue;
      seen.add(key);
      // Docker does not publish ports of a container attached only to internal networks; a
      // running container without the binding will never listen there, so say why instead.
      const bound = c.ports.some((a) => a.hostPort === p.hostPort && a.containerPort === p.containerPort);
      if (c.state === 'running' && !bound) {
        out.push({ name: `port ${key}`, status: 'skipped', detail: `${displayName(c)} ${p.containerPort}/tcp configured but not published by Docker (container only on internal networks?)` });
        continue;
      }
      const listening = await deps.probes.tcp(host, p.hostPort, opts.timeoutMs);
      out.push({ name: `port ${key}`, status: listening ? 'ok' : failure(c.service), detail: `${displayName(c)} ${p.containerPort}/tcp ${listening ? 'listening' : 'not listening'}` });
    }
  }
  return out;
}

function verdict(stack: string, checks: CheckResult[]): HealthReport {
  const down = checks.some((c) => c.status === 'down');
  const degraded = checks.some((c) => c.status === 'degraded');
  const status = down ? 'down' : degraded ? 'degraded' : 'healthy';
  return { stack, status, exitCode: down ? 2 : degraded ? 1 : 0, checks };
}
