// What `imctl health` reports and what it is given: the types the checks (checks.ts and
// userChecks.ts) share, apart from the checks themselves so neither imports the other for them.
import type { Redactor } from '../cli/redact';
import type { DockerOps } from '../docker/dockerOps';
import type { MonitoringFacts } from './monitoringConfig';
import type { Probes } from './probes';

export type CheckStatus = 'ok' | 'degraded' | 'down' | 'skipped';

export interface CheckResult {
  name: string;
  status: CheckStatus;
  detail: string;
}

export interface HealthReport {
  stack: string;
  status: 'healthy' | 'degraded' | 'down';
  exitCode: 0 | 1 | 2;
  checks: CheckResult[];
  /** The firing alerts (alerts.ts), when monitoring is on and Alertmanager answered. */
  alerts?: FiringAlert[];
}

/** One firing alert as Alertmanager reports it (silenced and inhibited ones are never listed). */
export interface FiringAlert {
  /** The alertname label. */
  name: string;
  /** The severity label (the rules set critical or warning); "none" when missing. */
  severity: string;
  /** The summary annotation, already templated by Prometheus; "" when missing. */
  summary: string;
  /** When it started firing (ISO). */
  since: string;
  /** The runbook_url annotation, when there is one. */
  runbook?: string;
}

export interface HealthOptions {
  stack: string;
  /** Minimum free bytes on the Docker data root and the backups volume. */
  minFreeBytes: number;
  timeoutMs: number;
  /** From the stack config; without it the alerts are read only when an Alertmanager runs. */
  monitoring?: Pick<MonitoringFacts, 'enabled'>;
}

export interface HealthDeps {
  docker: DockerOps;
  probes: Probes;
  redactor: Redactor;
  now(): Date;
}
