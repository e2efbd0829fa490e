// nginx through the nginx exporter (stub_status): up, active connections, requests per second.
import { JOBS, NGINX_METRICS } from "../../metrics";
import { BoardSpec, DASHBOARD_UIDS } from "../board";
import { statPanel, timeseriesPanel } from "../panels";
import { min, rate, series, sum, jobIs } from "../promql";

const nginx = jobIs(JOBS.nginx);
const requests = sum([], rate(series(NGINX_METRICS.httpRequests, nginx)));
const active = sum([], series(NGINX_METRICS.connectionsActive, nginx));

export function nginxBoard(): BoardSpec {
    return {
        uid: DASHBOARD_UIDS.nginx,
        title: "imstack: nginx",
        description: "stub_status through the nginx exporter: up, active connections, requests/s.",
        panels: [
            statPanel({
                title: "nginx up", unit: "none", redAt: 1, below: true, width: 8,
                description: "nginx_up: 1 when the exporter can read stub_status.",
                queries: [{ expr: min([], series(NGINX_METRICS.up, nginx)) }],
            }),
            statPanel({ title: "Active connections now", unit: "none", width: 8, queries: [{ expr: active }] }),
            statPanel({ title: "Requests now", unit: "reqps", width: 8, queries: [{ expr: requests }] }),
            timeseriesPanel({ title: "Active connections", unit: "none", min: 0, queries: [{ expr: active, legend: "active" }] }),
            timeseriesPanel({ title: "Requests", unit: "reqps", queries: [{ expr: requests, legend: "requests/s" }] }),
        ],
    };
}
