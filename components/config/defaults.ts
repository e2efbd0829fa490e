// Defaults that are config's own (images, limits); the ports and limits of services come from
// the service catalogue.
import { configuredServices, portOf } from "../../catalogue";
import { Environment, ImageRefs, PortsConfig, ResourceLimits } from "./types";

/** Official images, pinned by tag. Users may pin by digest through `imstack:images`. */
export const DEFAULT_IMAGES: ImageRefs = {
    postgres: "postgres:16.4-bookworm",
    redis: "redis:7.4-bookworm",
    // The release tools/seaweedfs/go.mod's module version carries (scripts/seaweedfs-image.sh).
    seaweedfs: "chrislusf/seaweedfs:4.53",
    minio: "quay.io/minio/minio:RELEASE.2024-11-07T00-52-20Z",
    minioClient: "quay.io/minio/mc:RELEASE.2024-11-05T11-29-45Z",
    nginx: "nginx:1.27.3",
    node: "node:20-bookworm-slim",
    // The monitoring tier; the live tests run substitutes built from Debian bookworm's packages
    // (test/live/images/), which use the same entrypoints, flags and files.
    prometheus: "prom/prometheus:v2.55.1",
    alertmanager: "prom/alertmanager:v0.27.0",
    grafana: "grafana/grafana-oss:11.6.0",
    postgresExporter: "quay.io/prometheuscommunity/postgres-exporter:v0.15.0",
    redisExporter: "oliver006/redis_exporter:v1.62.0",
    nginxExporter: "nginx/nginx-prometheus-exporter:1.3.0",
    nodeExporter: "prom/node-exporter:v1.8.2",
    cadvisor: "ghcr.io/google/cadvisor:v0.61.0",
    blackboxExporter: "prom/blackbox-exporter:v0.25.0",
    // The database admin UI.
    studio: "supabase/studio:2026.02.16-sha-26c615c",
    postgresMeta: "supabase/postgres-meta:v0.99.0",
};

/** Host ports when published (dev): each service's own port from the catalogue, the console's 9001. */
export const DEFAULT_PORTS: PortsConfig = {
    http: 80, https: 443, postgres: portOf("postgres"), redis: portOf("redis"), minioApi: portOf("minio"), minioConsole: 9001,
    backend: portOf("backend"), next: portOf("next"), web: portOf("web"),
    prometheus: portOf("prometheus"), alertmanager: portOf("alertmanager"),
    // Studio's own port is next's 3000; the issue's :3001 on the host.
    studio: 3001,
};

/** Default limits of each configured service in an environment (the catalogue rows' resources). */
export function defaultResources(environment: Environment): Array<[string, ResourceLimits]> {
    return configuredServices().map((s) => [s.name, { ...s.resources[environment] }]);
}

export const TOP_LEVEL_KEYS = [
    "environment", "domain", "publicUrl", "images", "app", "publishServices", "ports", "tls", "limits",
    "resources", "backup", "objectStore", "monitoring", "adminUi", "rotation", "healthTimeoutSeconds", "buildArgs",
] as const;
