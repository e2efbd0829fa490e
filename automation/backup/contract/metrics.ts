// What the job daemon serves to Prometheus: the port, the metric names and their label values.
// Here because the job image is built from automation/backup alone; the monitoring tier
// (monitoring/metrics.ts) and the catalogue's backup row read them from here, the one place.

/** The daemon's /metrics listener (0.0.0.0 inside the container); BACKUP_METRICS_PORT=0 turns it off. */
export const JOB_METRICS_PORT = 9477;
/** The variable that moves (or, with 0, switches off) the listener. */
export const METRICS_PORT_ENV = 'BACKUP_METRICS_PORT';

/** Ours, from the backup job daemon on JOB_METRICS_PORT, all computed from status.json at scrape time. */
export const BACKUP_METRICS = {
  /** The last successful backup; until the first one, when the job first started (status.json's firstStartedAt). */
  lastSuccessTimestamp: 'imstack_backup_last_success_timestamp_seconds',
  /** Of the last success; 0 until there is one. */
  lastDuration: 'imstack_backup_last_duration_seconds',
  lastBytes: 'imstack_backup_last_bytes',
  lastObjects: 'imstack_backup_last_objects',
  /** 0 when nothing has failed yet. */
  lastFailureTimestamp: 'imstack_backup_last_failure_timestamp_seconds',
  /** counter {reason}: one of FAILURE_REASONS; kept in status.json, so it survives a restart. */
  failures: 'imstack_backup_failures_total',
  /** counter {outcome="ok|rolled_back|refused"}; kept in status.json. */
  restores: 'imstack_restores_total',
  /** The job's own now(): staleness is measured against it so tests can inject the clock. */
  clock: 'imstack_backup_clock_timestamp_seconds',
  /** 1 when status.json exists and parses; 0 otherwise (the timestamps then hold their last known values). */
  statusReadable: 'imstack_backup_status_readable',
} as const;
export type BackupMetricName = (typeof BACKUP_METRICS)[keyof typeof BACKUP_METRICS];

export const FAILURE_LABEL = 'reason';
export const RESTORE_LABEL = 'outcome';

/**
 * Where a failed run stopped, the failures counter's `reason`. A fixed set, so the label can
 * never grow with error texts (those stay in status.json's lastFailure.reason):
 * - config: nothing to back up, or a component with no connection configured;
 * - recover: resolving an interrupted restore (before a run, or by the daemon) failed;
 * - postgres, objects, redis: while dumping / copying that component;
 * - archive: writing or sealing the archive itself (disk, key, naming);
 * - safety: the safety archive of a restore that returned early.
 */
export const FAILURE_REASONS = ['config', 'recover', 'postgres', 'objects', 'redis', 'archive', 'safety'] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

/**
 * How a restore ended, the restores counter's `outcome`: ok (the restored data is committed),
 * rolled_back (it failed or was killed after it started, and the previous data was put back),
 * refused (nothing was changed: the archive, the target or the options were refused).
 */
export const RESTORE_OUTCOMES = ['ok', 'rolled_back', 'refused'] as const;
export type RestoreOutcome = (typeof RESTORE_OUTCOMES)[number];
