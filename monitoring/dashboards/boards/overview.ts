// The stack at a glance: are the targets up, is the API healthy (the alert rules' three signals),
// what each service's container uses, and how full the disks are.
import { CONTAINER_METRICS, CONTAINER_SERVICE_LABEL, NODE_METRICS, UP } from "../../metrics";
import { THRESHOLDS } from "../../prometheus/rules";
import { BoardSpec, DASHBOARD_UIDS } from "../board";
import { statPanel, timeseriesPanel } from "../panels";
import { aggregate, changes, EXPORTER_LABELS, max, ne, nre, orZero, PSEUDO_FILESYSTEMS, rate, ratio, series, sum, JOB_LABEL } from "../promql";
import { latencyQuantile, requestRate, serverErrorRatio } from "./api";

const service = CONTAINER_SERVICE_LABEL;
/** Only containers the catalogue made (cAdvisor also reports the host's cgroups). */
const ours = ne(service, "");
const realFs = nre(EXPORTER_LABELS.fstype, PSEUDO_FILESYSTEMS);

export function overview(): BoardSpec {
    return {
        uid: DASHBOARD_UIDS.overview,
        title: "imstack: overview",
        description: "Targets, the API's rate, errors and p99, each service's container, and disk space.",
        panels: [
            statPanel({ title: "Targets up", unit: "none", queries: [{ expr: sum([], series(UP)) }] }),
            statPanel({
                title: "Targets down", unit: "none", redAt: 1,
                queries: [{ expr: orZero(aggregate("count", [], `${series(UP)} == 0`)) }],
            }),
            statPanel({
                title: "API 5xx ratio now", unit: "percentunit", redAt: THRESHOLDS.backendErrorRatio,
                queries: [{ expr: serverErrorRatio() }],
            }),
            statPanel({
                title: "API p99 now", unit: "s", redAt: THRESHOLDS.backendP99Seconds,
                queries: [{ expr: latencyQuantile(0.99) }],
            }),
            timeseriesPanel({
                title: "Targets up by job", unit: "none", min: 0,
                description: "The number of targets of each job that answered their last scrape.",
                queries: [{ expr: sum([JOB_LABEL], series(UP)), legend: `{{${JOB_LABEL}}}` }],
            }),
            timeseriesPanel({
                title: "API requests", unit: "reqps",
                queries: [{ expr: requestRate(), legend: "requests/s" }],
            }),
            timeseriesPanel({
                title: "API 5xx ratio", unit: "percentunit", min: 0,
                description: `The alert fires above ${THRESHOLDS.backendErrorRatio * 100}% for 5 minutes.`,
                queries: [{ expr: serverErrorRatio(), legend: "5xx ratio" }],
            }),
            timeseriesPanel({
                title: "API p99 latency", unit: "s",
                description: `The alert fires above ${THRESHOLDS.backendP99Seconds}s for 5 minutes.`,
                queries: [{ expr: latencyQuantile(0.99), legend: "p99" }],
            }),
            timeseriesPanel({
                title: "Container CPU by service", unit: "percentunit", stacked: true,
                description: "CPU seconds per second: 1 is one full core.",
                queries: [{ expr: sum([service], rate(series(CONTAINER_METRICS.cpuSeconds, ours))), legend: `{{${service}}}` }],
            }),
            timeseriesPanel({
                title: "Container memory by service", unit: "bytes", stacked: true,
                description: "The working set, what the memory limit is measured against.",
                queries: [{ expr: sum([service], series(CONTAINER_METRICS.memoryWorkingSet, ours)), legend: `{{${service}}}` }],
            }),
            timeseriesPanel({
                title: "Container network by service", unit: "Bps",
                queries: [
                    { expr: sum([service], rate(series(CONTAINER_METRICS.networkReceive, ours))), legend: `{{${service}}} in` },
                    { expr: sum([service], rate(series(CONTAINER_METRICS.networkTransmit, ours))), legend: `{{${service}}} out` },
                ],
            }),
            timeseriesPanel({
                title: "Container restarts in 15 min by service", unit: "none", min: 0,
                description: `A restart changes the container's start time; the alert fires above ${THRESHOLDS.containerRestarts} in 15 minutes.`,
                queries: [{ expr: sum([service], changes(series(CONTAINER_METRICS.startTime, ours), "15m")), legend: `{{${service}}}` }],
            }),
            timeseriesPanel({
                title: "Disk free", unit: "percentunit", min: 0, max: 1, width: 24,
                description: `Free space per filesystem; the alert fires under ${THRESHOLDS.diskFreeRatio * 100}% for 10 minutes.`,
                queries: [{
                    expr: ratio(
                        max([EXPORTER_LABELS.mountpoint], series(NODE_METRICS.filesystemAvail, realFs)),
                        max([EXPORTER_LABELS.mountpoint], series(NODE_METRICS.filesystemSize, realFs)),
                    ),
                    legend: `{{${EXPORTER_LABELS.mountpoint}}}`,
                }],
            }),
        ],
    };
}
