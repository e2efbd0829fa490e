// The backend API: rate, errors and latency percentiles by route, then what the app itself
// reports (messages, websockets, the database pool, S3 latency) and the Node.js process.
import { BACKEND_METRICS, HTTP_LABELS } from "../../metrics";
import { THRESHOLDS } from "../../prometheus/rules";
import { BoardSpec, DASHBOARD_UIDS } from "../board";
import { statPanel, timeseriesPanel } from "../panels";
import { bucketOf, EXPORTER_LABELS, quantile, rate, series, sum, max, INSTANCE_LABEL } from "../promql";
import { BACKEND_JOB, latencyQuantile, requestRate, serverErrorRatio, serverErrorRatioBy } from "./api";

const route = HTTP_LABELS.route;
const QUANTILES = [0.5, 0.9, 0.99] as const;

export function backend(): BoardSpec {
    return {
        uid: DASHBOARD_UIDS.backend,
        title: "imstack: backend API",
        description: "Request rate, errors and latency percentiles by route; messages, websockets, the database pool, S3 latency, the Node.js process.",
        panels: [
            statPanel({ title: "Requests", unit: "reqps", queries: [{ expr: requestRate() }] }),
            statPanel({ title: "5xx ratio", unit: "percentunit", redAt: THRESHOLDS.backendErrorRatio, queries: [{ expr: serverErrorRatio() }] }),
            statPanel({ title: "p99", unit: "s", redAt: THRESHOLDS.backendP99Seconds, queries: [{ expr: latencyQuantile(0.99) }] }),
            statPanel({
                title: "Open websockets", unit: "none",
                queries: [{ expr: sum([], series(BACKEND_METRICS.websocketConnections, BACKEND_JOB)) }],
            }),
            timeseriesPanel({
                title: "Requests by route", unit: "reqps", stacked: true,
                queries: [{ expr: requestRate([route]), legend: `{{${route}}}` }],
            }),
            timeseriesPanel({
                title: "Responses by status", unit: "reqps", stacked: true,
                queries: [{ expr: requestRate([HTTP_LABELS.status]), legend: `{{${HTTP_LABELS.status}}}` }],
            }),
            timeseriesPanel({
                title: "5xx ratio by route", unit: "percentunit", width: 24, min: 0,
                description: `The share of each route's requests answered 5xx; the alert fires when all routes together pass ${THRESHOLDS.backendErrorRatio * 100}% for 5 minutes.`,
                queries: [
                    { expr: serverErrorRatio(), legend: "all routes" },
                    { expr: serverErrorRatioBy([route]), legend: `{{${route}}}` },
                ],
            }),
            ...QUANTILES.map((q) => timeseriesPanel({
                title: `Latency p${Math.round(q * 100)} by route`, unit: "s", width: 8,
                queries: [{ expr: latencyQuantile(q, [route]), legend: `{{${route}}}` }],
            })),
            timeseriesPanel({
                title: "Messages posted", unit: "cps",
                queries: [{ expr: sum([], rate(series(BACKEND_METRICS.messagesPosted, BACKEND_JOB))), legend: "messages/s" }],
            }),
            timeseriesPanel({
                title: "Open websockets by replica", unit: "none", stacked: true,
                queries: [{ expr: sum([INSTANCE_LABEL], series(BACKEND_METRICS.websocketConnections, BACKEND_JOB)), legend: `{{${INSTANCE_LABEL}}}` }],
            }),
            timeseriesPanel({
                title: "Database pool", unit: "none", min: 0,
                description: "Connections by state, summed over replicas, against the sum of the pools' maximums.",
                queries: [
                    { expr: sum([EXPORTER_LABELS.state], series(BACKEND_METRICS.dbPoolConnections, BACKEND_JOB)), legend: `{{${EXPORTER_LABELS.state}}}` },
                    { expr: sum([], series(BACKEND_METRICS.dbPoolMax, BACKEND_JOB)), legend: "max" },
                ],
            }),
            timeseriesPanel({
                title: "S3 operation latency p99", unit: "s",
                queries: [{
                    expr: quantile(0.99, bucketOf(BACKEND_METRICS.s3OperationDuration), [EXPORTER_LABELS.operation], BACKEND_JOB),
                    legend: `{{${EXPORTER_LABELS.operation}}}`,
                }],
            }),
            timeseriesPanel({
                title: "Event-loop lag", unit: "s", width: 8,
                queries: [{ expr: max([INSTANCE_LABEL], series(BACKEND_METRICS.nodejsEventloopLag, BACKEND_JOB)), legend: `{{${INSTANCE_LABEL}}}` }],
            }),
            timeseriesPanel({
                title: "Resident memory", unit: "bytes", width: 8,
                queries: [{ expr: sum([INSTANCE_LABEL], series(BACKEND_METRICS.processResidentMemory, BACKEND_JOB)), legend: `{{${INSTANCE_LABEL}}}` }],
            }),
            timeseriesPanel({
                title: "CPU", unit: "percentunit", width: 8,
                description: "CPU seconds per second per replica: 1 is one full core.",
                queries: [{ expr: sum([INSTANCE_LABEL], rate(series(BACKEND_METRICS.processCpuSeconds, BACKEND_JOB))), legend: `{{${INSTANCE_LABEL}}}` }],
            }),
        ],
    };
}
