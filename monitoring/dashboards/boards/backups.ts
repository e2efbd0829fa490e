// The backup job: how old the last success is (against the job's own clock, as the BackupStale
// rule measures it, so an injected clock shows here too), what the last run moved, failures by
// reason and restores by outcome.
import { BACKUP_METRICS, JOBS } from "../../metrics";
import { THRESHOLDS } from "../../prometheus/rules";
import { BoardSpec, DASHBOARD_UIDS } from "../board";
import { statPanel, timeseriesPanel } from "../panels";
import { EXPORTER_LABELS, increase, max, series, sum, jobIs } from "../promql";

const job = jobIs(JOBS.backup);
const sinceSuccess = `${max([], series(BACKUP_METRICS.clock, job))} - ${max([], series(BACKUP_METRICS.lastSuccessTimestamp, job))}`;
const sinceFailure = `${max([], series(BACKUP_METRICS.clock, job))} - ${max([], series(BACKUP_METRICS.lastFailureTimestamp, job))}`;
/** Counters are summed over a day: backups run daily, so per-second rates would read as 0. */
const DAY = "1d";

export function backups(): BoardSpec {
    return {
        uid: DASHBOARD_UIDS.backups,
        title: "imstack: backups",
        description: "Age of the last successful backup against the job's clock, the last run's duration, bytes and objects, failures by reason, restores by outcome.",
        panels: [
            statPanel({
                title: "Since last success", unit: "dtdurations", redAt: THRESHOLDS.backupStaleSeconds,
                description: `Measured against the job's clock; the BackupStale alert fires above ${THRESHOLDS.backupStaleSeconds / 3600} h.`,
                queries: [{ expr: sinceSuccess }],
            }),
            statPanel({ title: "Last duration", unit: "s", queries: [{ expr: max([], series(BACKUP_METRICS.lastDuration, job)) }] }),
            statPanel({ title: "Last size", unit: "bytes", queries: [{ expr: max([], series(BACKUP_METRICS.lastBytes, job)) }] }),
            statPanel({ title: "Last objects", unit: "none", queries: [{ expr: max([], series(BACKUP_METRICS.lastObjects, job)) }] }),
            timeseriesPanel({
                title: "Age of the last success", unit: "s", min: 0, width: 24,
                description: `The BackupStale alert fires above ${THRESHOLDS.backupStaleSeconds}s (${THRESHOLDS.backupStaleSeconds / 3600} h).`,
                queries: [{ expr: sinceSuccess, legend: "since last success" }, { expr: sinceFailure, legend: "since last failure" }],
            }),
            timeseriesPanel({
                title: "Last run: duration", unit: "s", min: 0,
                queries: [{ expr: max([], series(BACKUP_METRICS.lastDuration, job)), legend: "duration" }],
            }),
            timeseriesPanel({
                title: "Last run: size", unit: "bytes", min: 0,
                queries: [{ expr: max([], series(BACKUP_METRICS.lastBytes, job)), legend: "bytes" }],
            }),
            timeseriesPanel({
                title: "Status file readable", unit: "none", min: 0,
                description: "1 while the job can read its status.json; 0 means the figures above are its last known values.",
                queries: [{ expr: max([], series(BACKUP_METRICS.statusReadable, job)), legend: "readable" }],
            }),
            timeseriesPanel({
                title: "Failures by reason (per day)", unit: "none", min: 0,
                description: "No data until the first failure since the job started.",
                queries: [{ expr: sum([EXPORTER_LABELS.reason], increase(series(BACKUP_METRICS.failures, job), DAY)), legend: `{{${EXPORTER_LABELS.reason}}}` }],
            }),
            timeseriesPanel({
                title: "Restores by outcome (per day)", unit: "none", min: 0,
                queries: [{ expr: sum([EXPORTER_LABELS.outcome], increase(series(BACKUP_METRICS.restores, job), DAY)), legend: `{{${EXPORTER_LABELS.outcome}}}` }],
            }),
        ],
    };
}
