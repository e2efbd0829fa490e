// The metric names every part of the monitoring tier agrees on: the scrape jobs and their
// targets, our own metrics (backend, backup job) and the exporters' metrics the alert rules and
// dashboards read. One place, so a renamed metric breaks the type check, not a dashboard.
// Plain data: no Pulumi, no Docker (issue 14, "Scrape targets" of the shared design).

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
export const BACKEND_METRICS_PORT = 9464;
/** nginx's internal-only stub_status listener, read by the nginx exporter. */
export const NGINX_STUB_STATUS = { host: "nginx", port: 8081, path: "/stub_status" } as const;

/** Fixed targets; backend (one per replica), objectstore (per engine) and tls (per domain) are below. */
export const TARGETS = {
    prometheus: { host: "localhost", port: 9090 },
    alertmanager: { host: "alertmanager", port: 9093 },
    backup: { host: "backup", port: 9477 },
    postgres: { host: "postgres-exporter", port: 9187 },
    redis: { host: "redis-exporter", port: 9121 },
    nginx: { host: "nginx-exporter", port: 9113 },
    containers: { host: "cadvisor", port: 8080 },
    node: { host: "node-exporter", port: 9100 },
    blackbox: { host: "blackbox-exporter", port: 9115 },
} as const satisfies Record<string, TargetAddress>;

/** `backend-<n>:9464` for replica n (1-based, as the catalogue names replicas). */
export function backendTarget(replica: number): TargetAddress {
    return { host: `backend-${replica}`, port: BACKEND_METRICS_PORT };
}

/** The object store's metrics endpoint per local engine; an external store is not scraped. */
export const OBJECTSTORE_TARGETS = {
    seaweedfs: { host: "seaweedfs", port: 9324 },
    minio: { host: "minio", port: 9000, metricsPath: "/minio/v2/metrics/cluster" },
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
export const DB_POOL_STATES = ["total", "idle", "waiting"] as const;
export const S3_OPERATIONS = ["put", "get", "stat", "remove", "bucket_exists"] as const;
export const S3_OUTCOMES = ["ok", "error"] as const;

/** Ours, from the backup job daemon on :9477. */
export const BACKUP_METRICS = {
    lastSuccessTimestamp: "imstack_backup_last_success_timestamp_seconds",
    lastDuration: "imstack_backup_last_duration_seconds",
    lastBytes: "imstack_backup_last_bytes",
    lastObjects: "imstack_backup_last_objects",
    lastFailureTimestamp: "imstack_backup_last_failure_timestamp_seconds",
    /** counter {reason} */
    failures: "imstack_backup_failures_total",
    /** counter {outcome="ok|rolled_back|refused"} */
    restores: "imstack_restores_total",
    /** The job's own now(): staleness is measured against it so tests can inject the clock. */
    clock: "imstack_backup_clock_timestamp_seconds",
} as const;
export const RESTORE_OUTCOMES = ["ok", "rolled_back", "refused"] as const;

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
