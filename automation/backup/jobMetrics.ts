// The job's Prometheus metrics, computed at each scrape from status.json (the record `imctl
// health` reads too), so what Prometheus sees is what the volume says: a run by `docker exec`,
// a restore, or a test rewriting the file shows at the next scrape, with no state kept here but
// the last good read. The counters live in status.json, so they survive a restart of the job.
import { promises as fsp } from 'fs';
import { join } from 'path';
import { Counter, Gauge, Registry } from 'prom-client';
import { BACKUP_METRICS, FAILURE_LABEL, FAILURE_REASONS, RESTORE_LABEL, RESTORE_OUTCOMES, STATUS_FILE } from './contract';
import type { BackupStatus } from './status';

export interface JobMetricsOptions {
  /** The backups volume, where status.json is. */
  readonly backupDir: string;
  /** The job's clock (BackupContext.now); the clock metric is it, and BackupStale is measured against it. */
  readonly now?: () => Date;
  /** This process's start: the last success while status.json has neither one nor firstStartedAt. */
  readonly startedAt?: Date;
}

/** What a read of status.json gave: the status, or why there is none. */
export type StatusRead = { readonly ok: true; readonly status: BackupStatus } | { readonly ok: false; readonly problem: string };

/** Unlike readStatus (where no file means "no runs yet"), a missing file is a problem here: the daemon writes it at start. */
export async function readStatusForMetrics(dir: string): Promise<StatusRead> {
  let raw: string;
  try {
    raw = await fsp.readFile(join(dir, STATUS_FILE), 'utf8');
  } catch (e) {
    return { ok: false, problem: `${STATUS_FILE} cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'})` };
  }
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    return { ok: false, problem: `${STATUS_FILE} is not JSON` };
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return { ok: false, problem: `${STATUS_FILE} is not a JSON object` };
  return { ok: true, status: v as BackupStatus };
}

/** Seconds since the epoch, or undefined for anything that is not a time. */
function seconds(iso: unknown): number | undefined {
  if (typeof iso !== 'string') return undefined;
  const t = Date.parse(iso);
  return Number.isFinite(t) ? t / 1000 : undefined;
}

/** A count or size from the file; anything else (a hand-edited file) is 0. */
function amount(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : 0;
}

/** The values of one scrape, from one status (pure: the unit tests check it directly too). */
export interface MetricValues {
  readonly lastSuccessTimestamp: number;
  readonly lastDuration: number;
  readonly lastBytes: number;
  readonly lastObjects: number;
  readonly lastFailureTimestamp: number;
  readonly failures: Readonly<Record<(typeof FAILURE_REASONS)[number], number>>;
  readonly restores: Readonly<Record<(typeof RESTORE_OUTCOMES)[number], number>>;
  readonly clock: number;
  readonly statusReadable: 0 | 1;
}

export function metricValues(status: BackupStatus, readable: boolean, now: Date, startedAt: Date): MetricValues {
  const success = status.lastSuccess && seconds(status.lastSuccess.at) !== undefined ? status.lastSuccess : undefined;
  const failures = {} as Record<(typeof FAILURE_REASONS)[number], number>;
  for (const r of FAILURE_REASONS) failures[r] = amount(status.failures?.[r]);
  const restores = {} as Record<(typeof RESTORE_OUTCOMES)[number], number>;
  for (const o of RESTORE_OUTCOMES) restores[o] = amount(status.restores?.[o]);
  return {
    // Never absent: before the first success BackupStale measures from when the job first started.
    lastSuccessTimestamp: seconds(success?.at) ?? seconds(status.firstStartedAt) ?? startedAt.getTime() / 1000,
    lastDuration: amount(success?.durationMs) / 1000,
    lastBytes: amount(success?.bytes),
    lastObjects: amount(success?.objects),
    lastFailureTimestamp: seconds(status.lastFailure?.at) ?? 0,
    failures,
    restores,
    clock: now.getTime() / 1000,
    statusReadable: readable ? 1 : 0,
  };
}

/** A private registry (never prom-client's global one) with the job's series, filled per scrape. */
export class JobMetrics {
  readonly registry = new Registry();
  private readonly now: () => Date;
  private readonly startedAt: Date;
  /** The last status that read well: a file that turns bad keeps its timestamps, so BackupStale still fires in time. */
  private lastGood: BackupStatus = {};
  private readonly gauges: Record<Exclude<keyof MetricValues, 'failures' | 'restores'>, Gauge>;
  private readonly failures: Counter<typeof FAILURE_LABEL>;
  private readonly restores: Counter<typeof RESTORE_LABEL>;

  constructor(private readonly opts: JobMetricsOptions) {
    this.now = opts.now ?? (() => new Date());
    this.startedAt = opts.startedAt ?? this.now();
    const registers = [this.registry];
    const gauge = (name: string, help: string): Gauge => new Gauge({ name, help, registers });
    const m = BACKUP_METRICS;
    this.gauges = {
      lastSuccessTimestamp: gauge(m.lastSuccessTimestamp, 'Time of the last successful backup (until the first one: when the job first started), seconds since the epoch.'),
      lastDuration: gauge(m.lastDuration, 'Duration of the last successful backup in seconds (0 until the first one).'),
      lastBytes: gauge(m.lastBytes, 'Size of the last successful backup archive in bytes (0 until the first one).'),
      lastObjects: gauge(m.lastObjects, 'Objects in the last successful backup archive (0 until the first one).'),
      lastFailureTimestamp: gauge(m.lastFailureTimestamp, 'Time of the last failed backup run, seconds since the epoch (0: none yet).'),
      clock: gauge(m.clock, "The backup job's clock, seconds since the epoch; backup age is measured against it."),
      statusReadable: gauge(m.statusReadable, '1 when status.json exists and parses; 0 otherwise (the other series then keep their last known values).'),
    };
    this.failures = new Counter({ name: m.failures, help: 'Failed backup runs by the stage they stopped in, since the backups volume was created.', labelNames: [FAILURE_LABEL], registers });
    this.restores = new Counter({ name: m.restores, help: 'Restores by outcome (ok, rolled_back, refused), since the backups volume was created.', labelNames: [RESTORE_LABEL], registers });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** Reads status.json and renders the exposition text. */
  async scrape(): Promise<string> {
    const read = await readStatusForMetrics(this.opts.backupDir);
    if (read.ok) this.lastGood = read.status;
    const v = metricValues(this.lastGood, read.ok, this.now(), this.startedAt);
    for (const [k, g] of Object.entries(this.gauges) as Array<[keyof typeof this.gauges, Gauge]>) g.set(v[k]);
    // prom-client counters only go up; the file holds the totals, so each scrape restates them.
    this.failures.reset();
    for (const r of FAILURE_REASONS) this.failures.inc({ [FAILURE_LABEL]: r }, v.failures[r]);
    this.restores.reset();
    for (const o of RESTORE_OUTCOMES) this.restores.inc({ [RESTORE_LABEL]: o }, v.restores[o]);
    return this.registry.metrics();
  }
}
