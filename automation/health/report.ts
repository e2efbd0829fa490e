// What `imctl health` reports and what it is given: the types the checks (checks.ts and
// userChecks.ts) share, apart from the checks themselves so neither imports the other for them.
import type { Redactor } from '../cli/redact';
import type { DockerOps } from '../docker/dockerOps';
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
}

export interface HealthOptions {
  stack: string;
  /** Minimum free bytes on the Docker data root and the backups volume. */
  minFreeBytes: number;
  timeoutMs: number;
}

export interface HealthDeps {
  docker: DockerOps;
  probes: Probes;
  redactor: Redactor;
  now(): Date;
}
