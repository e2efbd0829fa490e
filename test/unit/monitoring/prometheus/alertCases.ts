// One promtool unit-test case per alert (interval and evaluation 1m): series that cross the
// threshold, when the alert must not yet fire (its `for` not over), when it fires, when it has
// resolved after the condition cleared, and series just under the threshold that never fire.
import { THRESHOLDS } from "../../../../monitoring/prometheus";

export interface Series { series: string; values: string }
export interface AlertCase {
    alert: string;
    /** The alert's labels besides alertname and severity. */
    labels: Record<string, string>;
    series: Series[];
    notYet: string;
    fires: string;
    resolved: string;
    /** Just under the threshold: never fires, checked at `fires` and later. */
    under: Series[][];
}

const T = 'stack="t"';
const down = (alert: string, metric: string, job: string, instance: string, forMinutes: number): AlertCase => ({
    alert,
    labels: { job, instance, stack: "t" },
    // Healthy at 0m, down from 1m to 6m, back at 7m.
    series: [{ series: `${metric}{job="${job}",instance="${instance}",${T}}`, values: "1 0x5 1x5" }],
    notYet: `${forMinutes}m`,
    fires: `${forMinutes + 1}m`,
    resolved: "8m",
    under: [[{ series: `${metric}{job="${job}",instance="${instance}",${T}}`, values: "1x10" }]],
});

const req = (status: string) => `imstack_http_request_duration_seconds_count{job="backend",instance="backend-1:9464",${T},method="GET",route="/api/conversations",status="${status}"}`;
const bucket = (le: string) => `imstack_http_request_duration_seconds_bucket{job="backend",instance="backend-1:9464",${T},method="GET",route="/api/conversations",status="200",le="${le}"}`;
const pg = (state: string) => `pg_stat_activity_count{job="postgres",instance="postgres-exporter:9187",${T},datname="imstack",state="${state}"}`;
const pgMax = `pg_settings_max_connections{job="postgres",instance="postgres-exporter:9187",${T}}`;
const redis = (m: string) => `${m}{job="redis",instance="redis-exporter:9121",${T}}`;
const backup = (m: string) => `${m}{job="backup",instance="backup:9477",${T}}`;
const fs = (m: string, fstype: string, mountpoint: string) => `${m}{job="node",instance="node-exporter:9100",${T},device="/dev/sda1",fstype="${fstype}",mountpoint="${mountpoint}"}`;
const cert = `probe_ssl_earliest_cert_expiry{job="tls",instance="https://chat.example.com",${T}}`;
const start = `container_start_time_seconds{job="containers",instance="cadvisor:8080",${T},name="imstack-t-redis",container_label_com_imstack_service="redis"}`;
const stale = THRESHOLDS.backupStaleSeconds;
const expiry = THRESHOLDS.tlsExpirySeconds;

export const ALERT_CASES: AlertCase[] = [
    down("ServiceDown", "up", "redis", "redis-exporter:9121", 2),
    {
        // 3% of requests answer 500 from the start, none after 15m; "under" is 1.9%.
        alert: "BackendHighErrorRate", labels: { stack: "t" },
        series: [{ series: req("200"), values: "0+97x30" }, { series: req("500"), values: "0+3x15 45x15" }],
        notYet: "5m", fires: "6m", resolved: "22m",
        under: [[{ series: req("200"), values: "0+98.1x30" }, { series: req("500"), values: "0+1.9x30" }]],
    },
    {
        // 5% of requests over 1s (p99 about 2.2s) until 15m, then all within 1s (p99 0.95s); "under" has 0.5% over.
        alert: "BackendHighLatency", labels: { stack: "t" },
        series: [
            { series: bucket("0.5"), values: "0+90x30" }, { series: bucket("1"), values: "0+95x15 1525+100x14" },
            { series: bucket("2.5"), values: "0+100x30" }, { series: bucket("+Inf"), values: "0+100x30" },
        ],
        notYet: "5m", fires: "6m", resolved: "22m",
        under: [[
            { series: bucket("0.5"), values: "0+90x30" }, { series: bucket("1"), values: "0+99.5x30" },
            { series: bucket("2.5"), values: "0+100x30" }, { series: bucket("+Inf"), values: "0+100x30" },
        ]],
    },
    down("PostgresDown", "pg_up", "postgres", "postgres-exporter:9187", 1),
    {
        // 81 of 100 connections until 10m, then 70; "under" is exactly 80%.
        alert: "PostgresConnectionsHigh", labels: { stack: "t" },
        series: [{ series: pg("active"), values: "50x20" }, { series: pg("idle"), values: "31x10 20x10" }, { series: pgMax, values: "100x20" }],
        notYet: "4m", fires: "5m", resolved: "11m",
        under: [[{ series: pg("active"), values: "50x20" }, { series: pg("idle"), values: "30x20" }, { series: pgMax, values: "100x20" }]],
    },
    down("RedisDown", "redis_up", "redis", "redis-exporter:9121", 1),
    {
        // 91% of maxmemory until 10m; "under" is exactly 90%, and no maxmemory (0) at all.
        alert: "RedisMemoryHigh", labels: { job: "redis", instance: "redis-exporter:9121", stack: "t" },
        series: [{ series: redis("redis_memory_used_bytes"), values: "91x10 80x10" }, { series: redis("redis_memory_max_bytes"), values: "100x20" }],
        notYet: "4m", fires: "5m", resolved: "11m",
        under: [
            [{ series: redis("redis_memory_used_bytes"), values: "90x20" }, { series: redis("redis_memory_max_bytes"), values: "100x20" }],
            [{ series: redis("redis_memory_used_bytes"), values: "1000x20" }, { series: redis("redis_memory_max_bytes"), values: "0x20" }],
        ],
    },
    down("ObjectStoreDown", "up", "objectstore", "seaweedfs:9324", 2),
    {
        // The job's clock is 26h and 1s past the last success; a success at 10m clears it. "under" is exactly 26h.
        alert: "BackupStale", labels: { job: "backup", instance: "backup:9477", stack: "t" },
        series: [
            { series: backup("imstack_backup_clock_timestamp_seconds"), values: `${1000 + stale + 1}x20` },
            { series: backup("imstack_backup_last_success_timestamp_seconds"), values: `1000x10 ${1000 + stale}x10` },
        ],
        notYet: "0m", fires: "1m", resolved: "11m",
        under: [[
            { series: backup("imstack_backup_clock_timestamp_seconds"), values: `${1000 + stale}x20` },
            { series: backup("imstack_backup_last_success_timestamp_seconds"), values: "1000x20" },
        ]],
    },
    {
        // A failure after the last success until a new success at 10m; "under" is a failure at the same second.
        alert: "BackupFailed", labels: { job: "backup", instance: "backup:9477", stack: "t" },
        series: [
            { series: backup("imstack_backup_last_failure_timestamp_seconds"), values: "2000x20" },
            { series: backup("imstack_backup_last_success_timestamp_seconds"), values: "1000x10 3000x10" },
        ],
        notYet: "0m", fires: "1m", resolved: "11m",
        under: [[
            { series: backup("imstack_backup_last_failure_timestamp_seconds"), values: "1000x20" },
            { series: backup("imstack_backup_last_success_timestamp_seconds"), values: "1000x20" },
        ]],
    },
    {
        // 9% free until 20m; "under" is exactly 10% free, and a nearly full tmpfs (not a disk).
        alert: "DiskSpaceLow",
        labels: { job: "node", instance: "node-exporter:9100", stack: "t", device: "/dev/sda1", fstype: "ext4", mountpoint: "/" },
        series: [{ series: fs("node_filesystem_avail_bytes", "ext4", "/"), values: "9x20 20x10" }, { series: fs("node_filesystem_size_bytes", "ext4", "/"), values: "100x30" }],
        notYet: "9m", fires: "10m", resolved: "21m",
        under: [
            [{ series: fs("node_filesystem_avail_bytes", "ext4", "/"), values: "10x30" }, { series: fs("node_filesystem_size_bytes", "ext4", "/"), values: "100x30" }],
            [{ series: fs("node_filesystem_avail_bytes", "tmpfs", "/run"), values: "1x30" }, { series: fs("node_filesystem_size_bytes", "tmpfs", "/run"), values: "100x30" }],
        ],
    },
    {
        // promtool's clock starts at 0: expiry exactly 14 days away at 0s, under it from 1m; renewed at 15m.
        // "under" expires an hour later, so it is still over 14 days away at the times checked.
        alert: "TLSCertificateExpiring", labels: { job: "tls", instance: "https://chat.example.com", stack: "t" },
        series: [{ series: cert, values: `${expiry}x15 ${expiry * 6}x10` }],
        notYet: "10m", fires: "11m", resolved: "16m",
        under: [[{ series: cert, values: `${expiry + 3600}x30` }]],
    },
    {
        // Four restarts at 1m..4m, then steady; "under" restarts three times.
        alert: "ContainerRestarting",
        labels: { job: "containers", instance: "cadvisor:8080", stack: "t", name: "imstack-t-redis", container_label_com_imstack_service: "redis" },
        series: [{ series: start, values: "100 200 300 400 500 500x30" }],
        notYet: "4m", fires: "5m", resolved: "20m",
        under: [[{ series: start, values: "100 200 300 400 400x30" }]],
    },
];
