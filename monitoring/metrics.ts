// The metric names every part of the monitoring tier agrees on: the scrape jobs and their
// targets, our own metrics (backend, backup job) and the exporters' metrics the alert rules and
// dashboards read. One place, so a renamed metric breaks the type check, not a dashboard.
// Plain data: no Pulumi, no Docker (issue 14, "Scrape targets" of the shared design). Hosts and
// ports come from the service catalogue, the one place they are written.
import { aliasOf, metricsEndpoint, portOf } from "../catalogue";

/** Scrape job names, in the order prometheus.yml lists them. */
export const JOBS = {
    prometheus: "prometheus",
    alertmanager: "alertmanager",
    backend: "backend",
    backup: "backup",
    postgres: "postgres",
    redis: "redis",
    nginx: "nginx",
    objectstore: "objectstore",
    containers: "containers",
    node: "node",
    tls: "tls",
} as const;
export type JobName = (typeof JOBS)[keyof typeof JOBS];

/** Where a job's target listens on the monitoring network: the alias (or `localhost`) and port. */
export interface TargetAddress {
    readonly host: string;
    readonly port: number;
    /** Only when it is not /metrics. */
    readonly metricsPath?: string;
}

/** The backend's separate metrics listener (`METRICS_PORT`); the app port 4000 never serves /metrics. */
export const BACKEND_METRICS_PORT = metricsEndpoint("backend").port;
/** nginx's internal-only stub_status listener, read by the nginx exporter. */
export const NGINX_STUB_STATUS = { host: aliasOf("nginx"), port: 8081, path: "/stub_status" } as const;

/**
 * Fixed targets, from the catalogue rows (alias and metrics port); backend (one per replica),
 * objectstore (per engine) and tls (per domain) are below. Prometheus scrapes itself on localhost.
 */
export const TARGETS = {
    prometheus: { host: "localhost", port: portOf("prometheus") },
    alertmanager: metricsEndpoint("alertmanager"),
    backup: metricsEndpoint("backup"),
    postgres: metricsEndpoint("postgres-exporter"),
    redis: metricsEndpoint("redis-exporter"),
    nginx: metricsEndpoint("nginx-exporter"),
    containers: metricsEndpoint("cadvisor"),
    node: metricsEndpoint("node-exporter"),
    blackbox: { host: aliasOf("blackbox-exporter"), port: portOf("blackbox-exporter") },
} as const satisfies Record<string, TargetAddress>;

/** `backend-<n>:9464` for replica n (1-based, as the catalogue names replicas). */
export function backendTarget(replica: number): TargetAddress {
    return { host: `${aliasOf("backend")}-${replica}`, port: BACKEND_METRICS_PORT };
}

/** The object store's metrics endpoint per local engine; an external store is not scraped. */
export const OBJECTSTORE_TARGETS = {
    seaweedfs: metricsEndpoint("seaweedfs"),
    minio: metricsEndpoint("minio"),
} as const satisfies Record<string, TargetAddress>;

/** Prometheus's own series for every target. */
export const UP = "up";

/** Ours, from the backend (prom-client); prom-client's default process/nodejs metrics come unprefixed. */
export const BACKEND_METRICS = {
    /** histogram {method, route (Fastify route pattern), status}; buckets 0.005 .. 10 s */
    httpRequestDuration: "imstack_http_request_duration_seconds",
    messagesPosted: "imstack_messages_posted_total",
    websocketConnections: "imstack_websocket_connections",
    /** gauge {state="total|idle|waiting"} */
    dbPoolConnections: "imstack_db_pool_connections",
    dbPoolMax: "imstack_db_pool_max",
    /** histogram {operation="put|get|stat|remove|bucket_exists", outcome="ok|error"} */
    s3OperationDuration: "imstack_s3_operation_duration_seconds",
    /** prom-client defaults, used by the dashboards. */
    processCpuSeconds: "process_cpu_seconds_total",
    processResidentMemory: "process_resident_memory_bytes",
    nodejsEventloopLag: "nodejs_eventloop_lag_seconds",
} as const;

/** The request-duration histogram's buckets, in seconds (the backend and the dashboards share them). */
export const HTTP_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;
export const HTTP_LABELS = { method: "method", route: "route", status: "status" } as const;
/** The status pattern of a server error (the error-rate alert and the dashboards' 5xx panels). */
export const SERVER_ERROR_STATUS = "5..";
export const DB_POOL_STATES = ["total", "idle", "waiting"] as const;
export const S3_OPERATIONS = ["put", "get", "stat", "remove", "bucket_exists"] as const;
export const S3_OUTCOMES = ["ok", "error"] as const;

/** Ours, from the backup job daemon: the job's contract owns them (its image is built from its folder alone). */
export { BACKUP_METRICS, FAILURE_REASONS, RESTORE_OUTCOMES } from "../automation/backup/contract/metrics";

/** postgres_exporter. */
export const POSTGRES_METRICS = {
    up: "pg_up",
    /** {datname, state} */
    activityCount: "pg_stat_activity_count",
    maxConnections: "pg_settings_max_connections",
    /** {datname, mode} */
    locksCount: "pg_locks_count",
    xactCommit: "pg_stat_database_xact_commit",
    blksHit: "pg_stat_database_blks_hit",
    blksRead: "pg_stat_database_blks_read",
} as const;

/** redis_exporter. */
export const REDIS_METRICS = {
    up: "redis_up",
    memoryUsed: "redis_memory_used_bytes",
    /** 0 when maxmemory is not set. */
    memoryMax: "redis_memory_max_bytes",
    keyspaceHits: "redis_keyspace_hits_total",
    keyspaceMisses: "redis_keyspace_misses_total",
    connectedClients: "redis_connected_clients",
    commandsProcessed: "redis_commands_processed_total",
} as const;

/** nginx-prometheus-exporter. */
export const NGINX_METRICS = {
    up: "nginx_up",
    connectionsActive: "nginx_connections_active",
    httpRequests: "nginx_http_requests_total",
} as const;

/** The object store (SeaweedFS's own; MinIO's are read only through `up`). */
export const OBJECTSTORE_METRICS = {
    s3Requests: "SeaweedFS_s3_request_total",
    s3RequestSecondsBucket: "SeaweedFS_s3_request_seconds_bucket",
} as const;

/** cAdvisor; `name` is the container name, CONTAINER_SERVICE_LABEL its catalogue service. */
export const CONTAINER_METRICS = {
    cpuSeconds: "container_cpu_usage_seconds_total",
    memoryWorkingSet: "container_memory_working_set_bytes",
    networkReceive: "container_network_receive_bytes_total",
    networkTransmit: "container_network_transmit_bytes_total",
    /** Restarts are `changes()` of it. */
    startTime: "container_start_time_seconds",
} as const;
export const CONTAINER_NAME_LABEL = "name";
export const CONTAINER_SERVICE_LABEL = "container_label_com_imstack_service";

/** Filesystems that are not the host's disks (node_exporter reports them too): the disk alert and panels skip them. */
export const PSEUDO_FILESYSTEMS = "tmpfs|devtmpfs|overlay|squashfs|ramfs|nsfs|proc|sysfs";

/** node_exporter. */
export const NODE_METRICS = {
    /** {mountpoint} */
    filesystemAvail: "node_filesystem_avail_bytes",
    filesystemSize: "node_filesystem_size_bytes",
    cpuSeconds: "node_cpu_seconds_total",
    memAvailable: "node_memory_MemAvailable_bytes",
} as const;

/** blackbox_exporter's TLS probe. */
export const TLS_METRICS = {
    certExpiry: "probe_ssl_earliest_cert_expiry",
    probeSuccess: "probe_success",
} as const;

/** The label every job carries (global external label and per-target label). */
export const STACK_LABEL = "stack";
