// Renders the alert rules (one group, alerts.yml beside prometheus.yml). Each alert's threshold
// and `for` are proved by `promtool test rules` in test/unit/monitoring/prometheus/; its runbook
// is a section of docs/operations.md ("Alert runbooks") whose anchor is `alert-<name in lower case>`.
import {
    BACKEND_METRICS, BACKUP_METRICS, CONTAINER_METRICS, CONTAINER_NAME_LABEL, HTTP_LABELS, JOBS, NODE_METRICS,
    POSTGRES_METRICS, PSEUDO_FILESYSTEMS, REDIS_METRICS, SERVER_ERROR_STATUS, TLS_METRICS, UP,
} from "../metrics";
import type { PrometheusSettings } from "./settings";
import { toYaml, YamlValue } from "./yaml";

export const RULE_GROUP = "imstack";
export const RUNBOOK_BASE = "https://github.com/imstack/imstack/blob/main/docs/operations.md";

export type Severity = "critical" | "warning";

export interface AlertRule {
    readonly alert: string;
    readonly expr: string;
    /** Prometheus duration the condition must hold before the alert fires. */
    readonly for: string;
    readonly severity: Severity;
    readonly summary: string;
    readonly description: string;
}

/** Thresholds, one place: the rules and their unit tests both read them. */
export const THRESHOLDS = {
    backendErrorRatio: 0.02,
    backendP99Seconds: 1,
    postgresConnectionsRatio: 0.8,
    redisMemoryRatio: 0.9,
    backupStaleSeconds: 26 * 3600,
    diskFreeRatio: 0.1,
    tlsExpirySeconds: 14 * 86400,
    containerRestarts: 3,
} as const;


const http = BACKEND_METRICS.httpRequestDuration;
const backend = `job="${JOBS.backend}"`;

const ALWAYS: readonly AlertRule[] = [
    {
        alert: "ServiceDown", expr: `${UP} == 0`, for: "2m", severity: "critical",
        summary: "{{ $labels.job }} target {{ $labels.instance }} is down",
        description: "Prometheus has not scraped {{ $labels.instance }} (job {{ $labels.job }}) successfully for 2 minutes.",
    },
    {
        alert: "BackendHighErrorRate",
        expr: `sum by (stack) (rate(${http}_count{${backend},${HTTP_LABELS.status}=~"${SERVER_ERROR_STATUS}"}[5m])) / sum by (stack) (rate(${http}_count{${backend}}[5m])) > ${THRESHOLDS.backendErrorRatio}`,
        for: "5m", severity: "critical",
        summary: "Backend 5xx ratio is {{ $value | humanizePercentage }}",
        description: `More than ${THRESHOLDS.backendErrorRatio * 100}% of backend requests have answered 5xx for 5 minutes.`,
    },
    {
        alert: "BackendHighLatency",
        expr: `histogram_quantile(0.99, sum by (stack, le) (rate(${http}_bucket{${backend}}[5m]))) > ${THRESHOLDS.backendP99Seconds}`,
        for: "5m", severity: "warning",
        summary: "Backend p99 latency is {{ $value | humanizeDuration }}",
        description: `The backend's 99th percentile request duration has been above ${THRESHOLDS.backendP99Seconds}s for 5 minutes.`,
    },
    {
        alert: "PostgresDown", expr: `${POSTGRES_METRICS.up} == 0`, for: "1m", severity: "critical",
        summary: "PostgreSQL is down",
        description: "postgres_exporter cannot reach PostgreSQL (pg_up is 0) for 1 minute.",
    },
    {
        alert: "PostgresConnectionsHigh",
        expr: `sum by (stack) (${POSTGRES_METRICS.activityCount}) / max by (stack) (${POSTGRES_METRICS.maxConnections}) > ${THRESHOLDS.postgresConnectionsRatio}`,
        for: "5m", severity: "warning",
        summary: "PostgreSQL connections at {{ $value | humanizePercentage }} of max_connections",
        description: `More than ${THRESHOLDS.postgresConnectionsRatio * 100}% of max_connections have been in use for 5 minutes.`,
    },
    {
        alert: "RedisDown", expr: `${REDIS_METRICS.up} == 0`, for: "1m", severity: "critical",
        summary: "Redis is down",
        description: "redis_exporter cannot reach Redis (redis_up is 0) for 1 minute.",
    },
    {
        // A maxmemory of 0 means unlimited: that series is dropped, not divided by.
        alert: "RedisMemoryHigh",
        expr: `${REDIS_METRICS.memoryUsed} / (${REDIS_METRICS.memoryMax} > 0) > ${THRESHOLDS.redisMemoryRatio}`,
        for: "5m", severity: "warning",
        summary: "Redis memory at {{ $value | humanizePercentage }} of maxmemory",
        description: `Redis has used more than ${THRESHOLDS.redisMemoryRatio * 100}% of its maxmemory for 5 minutes.`,
    },
    {
        // Measured against the job's own clock, so a test can make it stale by moving that clock.
        alert: "BackupStale",
        expr: `${BACKUP_METRICS.clock} - ${BACKUP_METRICS.lastSuccessTimestamp} > ${THRESHOLDS.backupStaleSeconds}`,
        for: "1m", severity: "critical",
        summary: "The last successful backup is {{ $value | humanizeDuration }} old",
        description: `No backup has succeeded for more than ${THRESHOLDS.backupStaleSeconds / 3600} hours.`,
    },
    {
        alert: "BackupFailed",
        expr: `${BACKUP_METRICS.lastFailureTimestamp} > ${BACKUP_METRICS.lastSuccessTimestamp}`,
        for: "1m", severity: "warning",
        summary: "The last backup failed",
        description: "The backup job's last run failed and none has succeeded since; its reason is in imstack_backup_failures_total{reason}.",
    },
    {
        alert: "DiskSpaceLow",
        expr: `${NODE_METRICS.filesystemAvail}{fstype!~"${PSEUDO_FILESYSTEMS}"} / ${NODE_METRICS.filesystemSize}{fstype!~"${PSEUDO_FILESYSTEMS}"} < ${THRESHOLDS.diskFreeRatio}`,
        for: "10m", severity: "critical",
        summary: "{{ $labels.mountpoint }} has {{ $value | humanizePercentage }} free",
        description: `The filesystem at {{ $labels.mountpoint }} has had less than ${THRESHOLDS.diskFreeRatio * 100}% free for 10 minutes.`,
    },
    {
        // Docker keeps a restarted container's name and cgroup, so its start time changes in place.
        alert: "ContainerRestarting",
        expr: `changes(${CONTAINER_METRICS.startTime}{${CONTAINER_NAME_LABEL}!=""}[15m]) > ${THRESHOLDS.containerRestarts}`,
        for: "1m", severity: "warning",
        summary: "Container {{ $labels.name }} restarted {{ $value }} times in 15 minutes",
        description: `{{ $labels.name }} has restarted more than ${THRESHOLDS.containerRestarts} times in 15 minutes.`,
    },
];

const OBJECT_STORE_DOWN: AlertRule = {
    alert: "ObjectStoreDown", expr: `${UP}{job="${JOBS.objectstore}"} == 0`, for: "2m", severity: "critical",
    summary: "The object store is down",
    description: "Prometheus has not scraped the object store for 2 minutes; uploads and attachments fail.",
};

const TLS_EXPIRING: AlertRule = {
    alert: "TLSCertificateExpiring",
    expr: `${TLS_METRICS.certExpiry}{job="${JOBS.tls}"} - time() < ${THRESHOLDS.tlsExpirySeconds}`,
    for: "10m", severity: "warning",
    summary: "The TLS certificate of {{ $labels.instance }} expires in {{ $value | humanizeDuration }}",
    description: `The certificate served at {{ $labels.instance }} expires within ${THRESHOLDS.tlsExpirySeconds / 86400} days.`,
};

/** Every alert imstack can render, TLS and object store included (docs/operations.md has one runbook section each). */
export const ALL_ALERTS: readonly string[] = [...ALWAYS, OBJECT_STORE_DOWN, TLS_EXPIRING].map((r) => r.alert);

export function runbookUrl(alert: string): string {
    return `${RUNBOOK_BASE}#alert-${alert.toLowerCase()}`;
}

/** The rules this stack gets: no object-store alert for an external store, no TLS alert without TLS. */
export function alertRules(s: Pick<PrometheusSettings, "objectStore" | "tls">): AlertRule[] {
    const rules = [...ALWAYS];
    if (s.objectStore !== "external") rules.splice(rules.findIndex((r) => r.alert === "RedisMemoryHigh") + 1, 0, OBJECT_STORE_DOWN);
    if (s.tls) rules.push(TLS_EXPIRING);
    return rules;
}

export function renderAlertRules(s: Pick<PrometheusSettings, "objectStore" | "tls">): string {
    const rules: YamlValue[] = alertRules(s).map((r) => ({
        alert: r.alert,
        expr: r.expr,
        for: r.for,
        labels: { severity: r.severity },
        annotations: { summary: r.summary, description: r.description, runbook_url: runbookUrl(r.alert) },
    }));
    return toYaml({ groups: [{ name: RULE_GROUP, rules }] }, "Rendered by imstack (monitoring/prometheus/rules.ts); edits are overwritten.");
}
