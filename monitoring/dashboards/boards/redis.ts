// Redis through redis_exporter: up, memory against maxmemory (the alert's ratio), keyspace hit
// rate, clients and commands per second.
import { JOBS, REDIS_METRICS } from "../../metrics";
import { THRESHOLDS } from "../../prometheus/rules";
import { BoardSpec, DASHBOARD_UIDS } from "../board";
import { statPanel, timeseriesPanel } from "../panels";
import { max, min, rate, series, shareOf, sum, jobIs } from "../promql";

const redis = jobIs(JOBS.redis);
const hitRate = shareOf(
    sum([], rate(series(REDIS_METRICS.keyspaceHits, redis))),
    sum([], rate(series(REDIS_METRICS.keyspaceMisses, redis))),
);
const commands = sum([], rate(series(REDIS_METRICS.commandsProcessed, redis)));

export function redisBoard(): BoardSpec {
    return {
        uid: DASHBOARD_UIDS.redis,
        title: "imstack: Redis",
        description: "redis_exporter's view: up, memory against maxmemory, keyspace hit rate, clients, commands/s.",
        panels: [
            statPanel({
                title: "Redis up", unit: "none", redAt: 1, below: true,
                description: "redis_up: 1 when redis_exporter can reach the server.",
                queries: [{ expr: min([], series(REDIS_METRICS.up, redis)) }],
            }),
            statPanel({ title: "Memory used", unit: "bytes", queries: [{ expr: max([], series(REDIS_METRICS.memoryUsed, redis)) }] }),
            statPanel({ title: "Keyspace hit rate now", unit: "percentunit", queries: [{ expr: hitRate }] }),
            statPanel({ title: "Clients", unit: "none", queries: [{ expr: sum([], series(REDIS_METRICS.connectedClients, redis)) }] }),
            timeseriesPanel({
                title: "Memory used and maxmemory", unit: "bytes", min: 0,
                description: `maxmemory 0 means unlimited. The alert fires above ${THRESHOLDS.redisMemoryRatio * 100}% of a set maxmemory for 5 minutes.`,
                queries: [
                    { expr: max([], series(REDIS_METRICS.memoryUsed, redis)), legend: "used" },
                    { expr: max([], series(REDIS_METRICS.memoryMax, redis)), legend: "maxmemory" },
                ],
            }),
            timeseriesPanel({
                title: "Keyspace hit rate", unit: "percentunit", max: 1,
                description: "Hits against hits plus misses of key lookups; no value while there are no lookups.",
                queries: [{ expr: hitRate, legend: "hit rate" }],
            }),
            timeseriesPanel({
                title: "Connected clients", unit: "none", min: 0,
                queries: [{ expr: sum([], series(REDIS_METRICS.connectedClients, redis)), legend: "clients" }],
            }),
            timeseriesPanel({ title: "Commands", unit: "ops", queries: [{ expr: commands, legend: "commands/s" }] }),
        ],
    };
}
