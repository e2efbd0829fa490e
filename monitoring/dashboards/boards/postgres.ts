// PostgreSQL through postgres_exporter: up, connections against max_connections (the alert's
// ratio), connections by state, locks by mode, commits per second, and the buffer cache hit ratio.
import { JOBS, POSTGRES_METRICS } from "../../metrics";
import { THRESHOLDS } from "../../prometheus/rules";
import { BoardSpec, DASHBOARD_UIDS } from "../board";
import { statPanel, timeseriesPanel } from "../panels";
import { EXPORTER_LABELS, max, min, rate, ratio, series, shareOf, sum, jobIs } from "../promql";

const pg = jobIs(JOBS.postgres);
const connections = sum([], series(POSTGRES_METRICS.activityCount, pg));
const maxConnections = max([], series(POSTGRES_METRICS.maxConnections, pg));
const cacheHitRatio = shareOf(
    sum([], rate(series(POSTGRES_METRICS.blksHit, pg))),
    sum([], rate(series(POSTGRES_METRICS.blksRead, pg))),
);

export function postgres(): BoardSpec {
    return {
        uid: DASHBOARD_UIDS.postgres,
        title: "imstack: PostgreSQL",
        description: "postgres_exporter's view: up, connections against max_connections, by state, locks by mode, commits/s, cache hit ratio.",
        panels: [
            statPanel({
                title: "PostgreSQL up", unit: "none", redAt: 1, below: true,
                description: "pg_up: 1 when postgres_exporter can reach the server.",
                queries: [{ expr: min([], series(POSTGRES_METRICS.up, pg)) }],
            }),
            statPanel({
                title: "Connections used", unit: "percentunit", redAt: THRESHOLDS.postgresConnectionsRatio,
                queries: [{ expr: ratio(connections, maxConnections) }],
            }),
            statPanel({ title: "Commits now", unit: "ops", queries: [{ expr: sum([], rate(series(POSTGRES_METRICS.xactCommit, pg))) }] }),
            statPanel({ title: "Cache hit ratio", unit: "percentunit", queries: [{ expr: cacheHitRatio }] }),
            timeseriesPanel({
                title: "Connections and max_connections", unit: "none", min: 0,
                description: `The alert fires above ${THRESHOLDS.postgresConnectionsRatio * 100}% of max_connections for 5 minutes.`,
                queries: [{ expr: connections, legend: "connections" }, { expr: maxConnections, legend: "max_connections" }],
            }),
            timeseriesPanel({
                title: "Connections by state", unit: "none", stacked: true,
                queries: [{ expr: sum([EXPORTER_LABELS.state], series(POSTGRES_METRICS.activityCount, pg)), legend: `{{${EXPORTER_LABELS.state}}}` }],
            }),
            timeseriesPanel({
                title: "Locks by mode", unit: "none", stacked: true,
                queries: [{ expr: sum([EXPORTER_LABELS.mode], series(POSTGRES_METRICS.locksCount, pg)), legend: `{{${EXPORTER_LABELS.mode}}}` }],
            }),
            timeseriesPanel({
                title: "Commits", unit: "ops",
                queries: [{ expr: sum([], rate(series(POSTGRES_METRICS.xactCommit, pg))), legend: "commits/s" }],
            }),
            timeseriesPanel({
                title: "Buffer cache hit ratio", unit: "percentunit", max: 1, width: 24,
                description: "Blocks found in shared buffers against blocks read from disk, over all databases.",
                queries: [{ expr: cacheHitRatio, legend: "hit ratio" }],
            }),
        ],
    };
}
