// One row per service the stack deploys, in start order (imctl starts tier by tier, rows in this
// order inside a tier, and stops in the reverse). Adding a service is one row here plus its
// component (docs/architecture.md, "How to add a service").
import { SECRET_ENV } from "../automation/backup/contract/secretEnv";
import { JOB_METRICS_PORT } from "../automation/backup/contract/metrics";
import type { ServiceRow } from "./types";

const BACKEND_SECRETS = ["DATABASE_URL", "REDIS_URL", "S3_SECRET_KEY", "JWT_SECRET", "JWT_SECRET_PREVIOUS"] as const;

export const SERVICE_ROWS = [
    {
        name: "postgres", tier: "data", networks: ["data"], alias: { name: "postgres", network: "data" }, port: 5432,
        lifecycle: "service", critical: true, startsAfter: [],
        // The bootstrap password (first initdb only); ALTER ROLE sets the real ones.
        secrets: ["POSTGRES_PASSWORD"], routes: [], rotatedBy: ["postgres"],
        resources: { dev: { memoryMb: 512, cpus: 1 }, prod: { memoryMb: 2048, cpus: 2 } },
    },
    {
        name: "redis", tier: "data", networks: ["data"], alias: { name: "redis", network: "data" }, port: 6379,
        lifecycle: "service", critical: false, startsAfter: [],
        // requirepass lives in its uploaded redis.conf, not in a variable.
        secrets: [], routes: [], rotatedBy: ["redis"],
        resources: { dev: { memoryMb: 256, cpus: 0.5 }, prod: { memoryMb: 512, cpus: 1 } },
    },
    {
        name: "seaweedfs", tier: "data", networks: ["data"], alias: { name: "seaweedfs", network: "data" }, port: 8333,
        lifecycle: "service", critical: false, startsAfter: [],
        // The keys live in its identities file, not in variables.
        secrets: [], routes: [], rotatedBy: ["minio"], provides: "s3",
        // `-metricsPort` of weed (components/objectStore/seaweedfsRuntime.ts).
        metrics: { port: 9324 },
        resources: { dev: { memoryMb: 512, cpus: 1 }, prod: { memoryMb: 1024, cpus: 1 } },
    },
    {
        name: "seaweedfs-init", tier: "data", networks: ["data"], lifecycle: "one-shot", critical: false,
        startsAfter: ["seaweedfs"], secrets: ["S3_SECRET_KEY"], routes: [], rotatedBy: ["minio"],
    },
    {
        name: "minio", tier: "data", networks: ["data"], alias: { name: "minio", network: "data" }, port: 9000,
        lifecycle: "service", critical: false, startsAfter: [],
        secrets: ["MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD"], routes: [], rotatedBy: ["minio"], provides: "s3",
        metrics: { port: 9000, path: "/minio/v2/metrics/cluster" },
        resources: { dev: { memoryMb: 512, cpus: 1 }, prod: { memoryMb: 1024, cpus: 1 } },
    },
    {
        name: "minio-init", tier: "data", networks: ["data"], lifecycle: "one-shot", critical: false,
        startsAfter: ["minio"], secrets: ["MINIO_ROOT_PASSWORD", "APP_SECRET_KEY", "BACKUP_SECRET_KEY"], routes: [], rotatedBy: ["minio"],
    },
    {
        name: "backup", tier: "data", networks: ["data"], alias: { name: "backup", network: "data" },
        lifecycle: "service", critical: false, deferHealthWait: true,
        // The superuser password is valid once ALTER ROLE ran; the bucket must exist.
        startsAfter: ["postgres", "seaweedfs-init", "minio-init"],
        // The job's own list: REDIS_PASSWORD with backup.includeRedis, REMOTE_S3_SECRET_KEY with backup.remote.
        secrets: SECRET_ENV,
        routes: [], rotatedBy: ["postgres", "redis", "minio", "backup"],
        metrics: { port: JOB_METRICS_PORT },
        resources: { dev: { memoryMb: 384, cpus: 1 }, prod: { memoryMb: 512, cpus: 1 } },
    },
    {
        // Dev only: publishes the data services on 127.0.0.1 (internal networks never publish).
        name: "dev-ports", tier: "data", networks: ["data"], lifecycle: "service", critical: false,
        startsAfter: ["postgres", "redis", "seaweedfs", "minio"], secrets: [], routes: [], rotatedBy: [],
    },
    {
        // Writes the backends' secret files into the volume they mount read-only.
        name: "backend-secrets", tier: "app", networks: [], lifecycle: "one-shot", critical: false,
        startsAfter: [], secrets: BACKEND_SECRETS, routes: [], rotatedBy: ["postgres", "redis", "minio", "jwt"],
    },
    {
        // Data first: its own traffic goes there; edge is where nginx finds it.
        name: "backend", tier: "app", networks: ["data", "edge"], alias: { name: "backend", network: "edge" }, port: 4000,
        lifecycle: "service", critical: true, replicated: true,
        startsAfter: ["postgres", "redis", "seaweedfs", "seaweedfs-init", "minio", "minio-init", "backend-secrets"],
        secrets: BACKEND_SECRETS,
        routes: [
            { location: "= /health", profile: "health" },
            { location: "/api/auth/", profile: "auth" },
            { location: "/api/", profile: "api" },
            { location: "= /ws", profile: "websocket" },
        ],
        rotatedBy: ["postgres", "redis", "minio", "jwt"],
        // Its own listener (METRICS_PORT), never the app port nginx routes to.
        metrics: { port: 9464 },
        resources: { dev: { memoryMb: 384, cpus: 1 }, prod: { memoryMb: 512, cpus: 1 } },
    },
    {
        name: "web", tier: "app", networks: ["edge"], alias: { name: "web", network: "edge" }, port: 5173,
        lifecycle: "service", critical: false, startsAfter: [], secrets: [],
        routes: [{ location: "/assets/", profile: "assets" }, { location: "/", profile: "page" }],
        rotatedBy: [],
        resources: { dev: { memoryMb: 128, cpus: 0.5 }, prod: { memoryMb: 128, cpus: 0.5 } },
    },
    {
        name: "next", tier: "app", networks: ["edge"], alias: { name: "next", network: "edge" }, port: 3000,
        lifecycle: "service", critical: false, startsAfter: ["backend"], secrets: [],
        routes: [{ location: "/next/_next/static/", profile: "assets" }, { location: "/next", profile: "private-page" }],
        rotatedBy: [],
        resources: { dev: { memoryMb: 384, cpus: 1 }, prod: { memoryMb: 512, cpus: 1 } },
    },
    {
        name: "nginx", tier: "edge", networks: ["edge"], alias: { name: "nginx", network: "edge" }, port: 80,
        // rotation.studio: its basic-auth user file in front of Studio.
        lifecycle: "service", critical: true, startsAfter: ["backend", "web", "next"], secrets: [], routes: [], rotatedBy: ["studio"],
        resources: { dev: { memoryMb: 128, cpus: 0.5 }, prod: { memoryMb: 256, cpus: 1 } },
    },
    // The monitoring tier (`monitoring.enabled`): components/monitoring/. Every container has a
    // memory limit; together they stay under the 400 MB idle goal (the benchmark).
    {
        name: "prometheus", tier: "monitoring", networks: ["monitoring"], alias: { name: "prometheus", network: "monitoring" }, port: 9090,
        lifecycle: "service", critical: false, startsAfter: [], secrets: [], routes: [], rotatedBy: [], enabledBy: "monitoring",
        metrics: { port: 9090 },
        resources: { dev: { memoryMb: 384, cpus: 0.5 }, prod: { memoryMb: 768, cpus: 1 } },
    },
    {
        // Also on edge: the monitoring network has no route out, and receivers are outside.
        name: "alertmanager", tier: "monitoring", networks: ["monitoring", "edge"], alias: { name: "alertmanager", network: "monitoring" }, port: 9093,
        lifecycle: "service", critical: false, startsAfter: [], secrets: [], routes: [], rotatedBy: [], enabledBy: "monitoring",
        metrics: { port: 9093 },
        resources: { dev: { memoryMb: 64, cpus: 0.25 }, prod: { memoryMb: 128, cpus: 0.5 } },
    },
    {
        name: "postgres-exporter", tier: "monitoring", networks: ["monitoring", "data"], alias: { name: "postgres-exporter", network: "monitoring" }, port: 9187,
        lifecycle: "service", critical: false, startsAfter: [], secrets: ["DATA_SOURCE_PASS"], routes: [], rotatedBy: ["postgres"], enabledBy: "monitoring",
        metrics: { port: 9187 },
        resources: { dev: { memoryMb: 48, cpus: 0.25 }, prod: { memoryMb: 64, cpus: 0.25 } },
    },
    {
        name: "redis-exporter", tier: "monitoring", networks: ["monitoring", "data"], alias: { name: "redis-exporter", network: "monitoring" }, port: 9121,
        lifecycle: "service", critical: false, startsAfter: [], secrets: ["REDIS_PASSWORD"], routes: [], rotatedBy: ["redis"], enabledBy: "monitoring",
        metrics: { port: 9121 },
        resources: { dev: { memoryMb: 32, cpus: 0.25 }, prod: { memoryMb: 48, cpus: 0.25 } },
    },
    {
        name: "nginx-exporter", tier: "monitoring", networks: ["monitoring", "edge"], alias: { name: "nginx-exporter", network: "monitoring" }, port: 9113,
        lifecycle: "service", critical: false, startsAfter: [], secrets: [], routes: [], rotatedBy: [], enabledBy: "monitoring",
        metrics: { port: 9113 },
        resources: { dev: { memoryMb: 32, cpus: 0.25 }, prod: { memoryMb: 32, cpus: 0.25 } },
    },
    {
        name: "node-exporter", tier: "monitoring", networks: ["monitoring"], alias: { name: "node-exporter", network: "monitoring" }, port: 9100,
        lifecycle: "service", critical: false, startsAfter: [], secrets: [], routes: [], rotatedBy: [], enabledBy: "monitoring",
        metrics: { port: 9100 },
        resources: { dev: { memoryMb: 32, cpus: 0.25 }, prod: { memoryMb: 48, cpus: 0.25 } },
    },
    {
        name: "cadvisor", tier: "monitoring", networks: ["monitoring"], alias: { name: "cadvisor", network: "monitoring" }, port: 8080,
        lifecycle: "service", critical: false, startsAfter: [], secrets: [], routes: [], rotatedBy: [], enabledBy: "monitoring",
        metrics: { port: 8080 },
        resources: { dev: { memoryMb: 128, cpus: 0.5 }, prod: { memoryMb: 192, cpus: 0.5 } },
    },
    {
        // Probes the public HTTPS name, so it needs a route out (edge).
        name: "blackbox-exporter", tier: "monitoring", networks: ["monitoring", "edge"], alias: { name: "blackbox-exporter", network: "monitoring" }, port: 9115,
        lifecycle: "service", critical: false, startsAfter: [], secrets: [], routes: [], rotatedBy: [], enabledBy: "monitoring+tls",
        resources: { dev: { memoryMb: 32, cpus: 0.25 }, prod: { memoryMb: 32, cpus: 0.25 } },
    },
    {
        // nginx reaches it on edge; it reaches Prometheus on monitoring.
        name: "grafana", tier: "monitoring", networks: ["edge", "monitoring"], alias: { name: "grafana", network: "edge" }, port: 3000,
        lifecycle: "service", critical: false, startsAfter: ["prometheus"], secrets: ["GF_SECURITY_ADMIN_PASSWORD"],
        routes: [{ location: "/grafana/", profile: "tool" }], rotatedBy: ["grafana"], enabledBy: "monitoring",
        resources: { dev: { memoryMb: 192, cpus: 0.5 }, prod: { memoryMb: 256, cpus: 1 } },
    },
    // The database admin UI (`adminUi.enabled`): components/adminUi.ts.
    {
        name: "postgres-meta", tier: "admin", networks: ["data"], alias: { name: "postgres-meta", network: "data" }, port: 8080,
        lifecycle: "service", critical: false, startsAfter: [], secrets: ["PG_META_DB_PASSWORD"], routes: [], rotatedBy: ["postgres"], enabledBy: "adminUi",
        resources: { dev: { memoryMb: 128, cpus: 0.5 }, prod: { memoryMb: 128, cpus: 0.5 } },
    },
    {
        // Edge for nginx (and the dev port); data to reach postgres-meta.
        name: "studio", tier: "admin", networks: ["edge", "data"], alias: { name: "studio", network: "edge" }, port: 3000,
        lifecycle: "service", critical: false, startsAfter: ["postgres-meta"], secrets: [],
        // rotation.studio changes nginx's user file, not Studio (which has no login of its own).
        routes: [{ location: "/studio/", profile: "protected-tool" }], rotatedBy: [], enabledBy: "adminUi",
        resources: { dev: { memoryMb: 384, cpus: 1 }, prod: { memoryMb: 512, cpus: 1 } },
    },
] as const satisfies readonly ServiceRow[];

/** Services whose limits `imstack:resources.<name>` configures (rows with default resources). */
export type ConfiguredService = Extract<(typeof SERVICE_ROWS)[number], { resources: object }>["name"];
