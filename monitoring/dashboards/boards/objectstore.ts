// The object store: whether its metrics endpoint is up (every local engine), and SeaweedFS's own
// S3 request rate and latency by action. MinIO is read only through `up`; an external store is
// not scraped, so this dashboard shows no data for it.
import { JOBS, OBJECTSTORE_METRICS, UP } from "../../metrics";
import { BoardSpec, DASHBOARD_UIDS } from "../board";
import { statPanel, timeseriesPanel } from "../panels";
import { EXPORTER_LABELS, min, quantile, rate, series, sum, jobIs } from "../promql";

const store = jobIs(JOBS.objectstore);
const action = EXPORTER_LABELS.seaweedType;

export function objectstore(): BoardSpec {
    return {
        uid: DASHBOARD_UIDS.objectstore,
        title: "imstack: object store",
        description: "Up for every local engine; S3 request rate and latency by action from SeaweedFS's own metrics.",
        panels: [
            statPanel({
                title: "Object store up", unit: "none", redAt: 1, below: true, width: 8,
                queries: [{ expr: min([], series(UP, store)) }],
            }),
            statPanel({
                title: "S3 requests", unit: "reqps", width: 8,
                queries: [{ expr: sum([], rate(series(OBJECTSTORE_METRICS.s3Requests, store))) }],
            }),
            statPanel({
                title: "S3 p99", unit: "s", width: 8,
                queries: [{ expr: quantile(0.99, OBJECTSTORE_METRICS.s3RequestSecondsBucket, [], store) }],
            }),
            timeseriesPanel({
                title: "Up", unit: "none", min: 0, max: 1, width: 24, height: 5,
                queries: [{ expr: min([], series(UP, store)), legend: "up" }],
            }),
            timeseriesPanel({
                title: "S3 requests by action", unit: "reqps", stacked: true,
                queries: [{ expr: sum([action], rate(series(OBJECTSTORE_METRICS.s3Requests, store))), legend: `{{${action}}}` }],
            }),
            timeseriesPanel({
                title: "S3 latency by action", unit: "s",
                queries: [
                    { expr: quantile(0.5, OBJECTSTORE_METRICS.s3RequestSecondsBucket, [action], store), legend: `p50 {{${action}}}` },
                    { expr: quantile(0.99, OBJECTSTORE_METRICS.s3RequestSecondsBucket, [action], store), legend: `p99 {{${action}}}` },
                ],
            }),
        ],
    };
}
