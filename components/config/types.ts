// The typed stack configuration parseConfig produces, and its one error type.
import type { Environment } from "../../automation/backup/contract";
import type { ConfiguredService, ObjectStoreEngine, RotationTarget } from "../../catalogue";
import type { AlertReceiver } from "../../monitoring/prometheus/receivers";

export type { Environment } from "../../automation/backup/contract";
export type StorageDriver = "postgres" | "file";
export type TlsMode = "off" | "files";

/** Services that take resource limits: the catalogue rows with default resources. */
export type Service = ConfiguredService;
/** Credentials with their own rotation value (`imstack:rotation.<name>`), from the catalogue. */
export type Rotatable = RotationTarget;

export interface ImageRefs {
    postgres: string;
    redis: string;
    seaweedfs: string;
    minio: string;
    minioClient: string;
    nginx: string;
    node: string;
    prometheus: string;
    alertmanager: string;
    grafana: string;
    postgresExporter: string;
    redisExporter: string;
    nginxExporter: string;
    nodeExporter: string;
    cadvisor: string;
    blackboxExporter: string;
    studio: string;
    postgresMeta: string;
}

export interface AppServiceConfig {
    enabled: boolean;
    /** A prebuilt image used instead of building from apps/. */
    image?: string;
}

export interface BackendConfig {
    replicas: number;
    storageDriver: StorageDriver;
    image?: string;
    logLevel: string;
}

export interface PortsConfig {
    http: number;
    https: number;
    postgres: number;
    redis: number;
    minioApi: number;
    minioConsole: number;
    backend: number;
    next: number;
    web: number;
    /** Dev only (127.0.0.1), with monitoring on. */
    prometheus: number;
    alertmanager: number;
    /** Dev only (127.0.0.1), with the admin UI on. */
    studio: number;
}

export interface TlsConfig {
    mode: TlsMode;
    certFile?: string;
    keyFile?: string;
}

export interface LimitsConfig {
    uploadMb: number;
    requestsPerSecond: number;
    burst: number;
    authRequestsPerMinute: number;
}

export interface ResourceLimits {
    memoryMb: number;
    cpus: number;
}

export interface RemoteBackupConfig {
    endpoint: string;
    port: number;
    useSsl: boolean;
    bucket: string;
    region: string;
    accessKey: string;
    /** Secret: comes from `pulumi config set --secret --path backup.remote.secretKey`. */
    secretKey: string;
}

export { DEFAULT_OBJECT_STORE_ENGINE, OBJECT_STORE_ENGINES, ObjectStoreEngine } from "../../catalogue";

export interface ExternalObjectStoreConfig {
    /** Bare host name of the S3 API (no scheme, no port). */
    endpoint: string;
    port: number;
    useSsl: boolean;
    region: string;
    bucket: string;
    /** Buckets addressed as https://host/bucket (what the backend's client speaks). */
    pathStyle: boolean;
    accessKey: string;
    /** Secret: `pulumi config set --secret --path objectStore.external.secretKey`. */
    secretKey: string;
}

export interface ObjectStoreConfig {
    engine: ObjectStoreEngine;
    /** Set when engine is external. */
    external?: ExternalObjectStoreConfig;
}

export interface BackupConfig {
    enabled: boolean;
    schedule: string;
    timezone: string;
    retentionDays: number;
    keepLast: number;
    encrypt: boolean;
    includeRedis: boolean;
    remote?: RemoteBackupConfig;
}

export interface MonitoringConfig {
    enabled: boolean;
    retentionDays: number;
    /** Prometheus's TSDB size cap in MiB: the oldest data goes first when either limit is hit. */
    retentionSizeMb: number;
    scrapeIntervalSeconds: number;
    /** Alertmanager receivers; their token/password are secrets (`pulumi config set --secret --path ...`). */
    receivers: AlertReceiver<string>[];
}

export interface AdminUiConfig {
    /** Supabase Studio with postgres-meta: dev 127.0.0.1 only, prod through nginx /studio/ behind basic auth. */
    enabled: boolean;
}

export interface StackConfig {
    stack: string;
    environment: Environment;
    domain: string;
    publicUrl: string;
    images: ImageRefs;
    app: { backend: BackendConfig; web: AppServiceConfig; next: AppServiceConfig };
    /** Publish the data and app services on 127.0.0.1 (dev) or nothing but nginx (prod). */
    publishServices: boolean;
    ports: PortsConfig;
    tls: TlsConfig;
    limits: LimitsConfig;
    resources: Record<Service, ResourceLimits>;
    backup: BackupConfig;
    objectStore: ObjectStoreConfig;
    monitoring: MonitoringConfig;
    adminUi: AdminUiConfig;
    rotation: Record<Rotatable, string> & { jwtPrevious: string; backupPrevious: string[] };
    /** Seconds a container create waits for its healthcheck before failing. */
    healthTimeoutSeconds: number;
    /** Build args passed to every app image build (e.g. a corporate CA bundle). */
    buildArgs: Record<string, string>;
}

export type RawConfig = Record<string, unknown>;

export class ConfigError extends Error {
    constructor(public readonly problems: string[]) {
        super(`invalid imstack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
            problems.map((p) => `  - ${p}`).join("\n"));
        this.name = "ConfigError";
    }
}
