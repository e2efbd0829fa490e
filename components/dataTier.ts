import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { isStackName, STACK_NAME_RULE } from "../automation/backup/contract";
import { aliasOf, portOf, service } from "../catalogue";
import { DevPorts } from "./devPorts";
import { ImageRefs, ObjectStoreConfig, PortsConfig, ResourceLimits } from "./config";
import { adminDatabaseUrl, ADMIN_ROLE, databaseUrl, DataEndpoints, redisUrl } from "./endpoints";
import { pulledImage } from "./images";
import { objectLabels, resourcePrefix } from "./naming";
import { ObjectStore, objectStore, objectStoreForwards } from "./objectStore";
import { Placement, rowNetworks } from "./placement";
import { APP_DATABASE, PostgresRoles } from "./postgresRoles";
import { healthcheck, serviceContainer } from "./service";

export { BUCKET } from "./objectStore/types";
export { MINIO_APP_USER, MINIO_BACKUP_USER, MINIO_ROOT_USER } from "./objectStore/minio";
export { adminDatabaseUrl, databaseUrl, redisUrl } from "./endpoints";

/** The official redis image's `redis` user, which reads redis.conf once it dropped root. */
const REDIS_UID = 999;
const REDIS_CONF = "/usr/local/etc/redis/redis.conf";

/** The generated credentials of the data services (StackSecrets). */
export interface DataTierSecrets {
    /** Password for the first initdb only. */
    readonly postgresBootstrapPassword: pulumi.Input<string>;
    /** Superuser password kept in step by ALTER ROLE. */
    readonly postgresAdminPassword: pulumi.Input<string>;
    /** App role password kept in step by ALTER ROLE. */
    readonly postgresAppPassword: pulumi.Input<string>;
    /** Redis requirepass. */
    readonly redisPassword: pulumi.Input<string>;
    /** Generated keys of a local object store (unused for external): MinIO's root password. */
    readonly objectStoreRootPassword: pulumi.Input<string>;
    /** Secret key of the backend's identity on a local object store. */
    readonly objectStoreAppSecretKey: pulumi.Input<string>;
    /** Secret key of the backup job's identity on a local object store. */
    readonly objectStoreBackupSecretKey: pulumi.Input<string>;
    /** postgres_exporter's role and redis_exporter's ACL user, when monitoring is on. */
    readonly monitoring?: { readonly postgresMonitorPassword: pulumi.Input<string>; readonly redisMonitorPassword: pulumi.Input<string> };
    /** The admin UI's database role, when it is on. */
    readonly adminUi?: { readonly postgresStudioPassword: pulumi.Input<string> };
}

/** redis_exporter's ACL user: INFO, CONFIG GET and the latency/slowlog reads, no key or data command. */
export const REDIS_MONITOR_USER = "imstack-monitor";
export const REDIS_MONITOR_ACL = "resetkeys resetchannels -@all +ping +info +config|get +client|list +client|info +cluster|info +slowlog +latency +memory|stats +dbsize +select";

/**
 * redis.conf. maxmemory is 80% of the container's limit with writes refused beyond it (Redis
 * holds sessions and revocations: evicting them silently would be worse), so Redis answers
 * errors and RedisMemoryHigh fires before the kernel kills the container.
 */
export function redisConf(password: string, memoryMb: number, monitorPassword?: string): string {
    return [
        "bind 0.0.0.0",
        `port ${portOf("redis")}`,
        "dir /data",
        "appendonly yes",
        "appendfsync everysec",
        `maxmemory ${Math.floor(memoryMb * 0.8)}mb`,
        "maxmemory-policy noeviction",
        `requirepass ${password}`,
        ...(monitorPassword === undefined ? [] : [`user ${REDIS_MONITOR_USER} on >${monitorPassword} ${REDIS_MONITOR_ACL}`]),
        "",
    ].join("\n");
}

export interface DataTierArgs {
    /** Stack, networks, health timeout and build inputs. */
    readonly placement: Placement;
    /** Official images (or substitutes) by reference. */
    readonly images: Pick<ImageRefs, "postgres" | "redis" | "seaweedfs" | "minio" | "minioClient" | "node">;
    /** Which object store, and an external one's settings. */
    readonly objectStore: ObjectStoreConfig;
    /** Host ports used when publishing (dev), through the DevPorts forwarder. */
    readonly ports: Pick<PortsConfig, "postgres" | "redis" | "minioApi" | "minioConsole">;
    /** Memory and CPU limits per service. */
    readonly resources: { postgres: ResourceLimits; redis: ResourceLimits; minio: ResourceLimits; seaweedfs: ResourceLimits };
    /** Protect data volumes from deletion (prod). */
    readonly protectVolumes: boolean;
    readonly secrets: DataTierSecrets;
}

export class DataTier extends pulumi.ComponentResource {
    public readonly volumes: { postgres: docker.Volume; redis: docker.Volume; backups: docker.Volume };
    public readonly postgres: docker.Container;
    public readonly redis: docker.Container;
    /** The engine's container, volume, endpoint and identities (no container for external). */
    public readonly objectStore: ObjectStore;
    /** The ALTER ROLE step; the backends depend on it. */
    public readonly postgresRoles: PostgresRoles;
    /** Dev only: forwards 127.0.0.1 ports to the data services. */
    public readonly devPorts?: DevPorts;
    /** What the app and the backup job connect to. */
    public readonly endpoints: DataEndpoints;
    public readonly containerNames: Record<string, pulumi.Output<string>>;

    constructor(name: string, args: DataTierArgs, opts?: pulumi.ComponentResourceOptions) {
        super("imstack:tiers:DataTier", name, {}, opts);
        validateDataTierArgs(args);
        const p = args.placement;
        const { stack } = p;
        const secrets = args.secrets;
        const volume = (part: string) => new docker.Volume(`${name}-${part}`, {
            name: `${resourcePrefix(stack)}-${part}`,
            labels: objectLabels(stack, { "com.imstack.volume": part }),
        }, { parent: this, retainOnDelete: true, protect: args.protectVolumes });
        this.volumes = { postgres: volume("postgres"), redis: volume("redis"), backups: volume("backups") };

        const common = { stack, tier: "data" as const, healthTimeoutSeconds: p.healthTimeoutSeconds };

        this.postgres = serviceContainer(`${name}-postgres`, {
            ...common,
            service: "postgres",
            image: pulledImage(`${name}-postgres-image`, args.images.postgres, this),
            networks: rowNetworks(p, service("postgres")),
            envs: [
                `POSTGRES_USER=${ADMIN_ROLE}`,
                "POSTGRES_DB=postgres",
                "PGDATA=/var/lib/postgresql/data/pgdata",
            ],
            // The entrypoint reads the file as root, before it drops to the postgres user.
            secrets: { files: [{ variable: "POSTGRES_PASSWORD", value: secrets.postgresBootstrapPassword }], uid: 0 },
            volumes: [{ volumeName: this.volumes.postgres.name, containerPath: "/var/lib/postgresql/data" }],
            // Over TCP: the socket answers during init, before the real server is up (docker-library/postgres#146).
            healthcheck: healthcheck(["CMD-SHELL", "pg_isready -h 127.0.0.1 -U postgres -d postgres"], { startPeriod: "30s" }),
            resources: args.resources.postgres,
            // Gives postgres time for a clean shutdown checkpoint instead of crash recovery.
            destroyGraceSeconds: 60,
        }, { parent: this });

        const roles = new PostgresRoles(`${name}-postgres-roles`, {
            containerName: this.postgres.name,
            containerId: this.postgres.id,
            adminPassword: secrets.postgresAdminPassword,
            appPassword: secrets.postgresAppPassword,
            monitorPassword: secrets.monitoring?.postgresMonitorPassword,
            studioPassword: secrets.adminUi?.postgresStudioPassword,
        }, { parent: this, dependsOn: [this.postgres] });
        this.postgresRoles = roles;

        const redisConfText = pulumi.secret(pulumi.all([secrets.redisPassword, secrets.monitoring?.redisMonitorPassword])
            .apply(([pw, monitor]) => redisConf(pw, args.resources.redis.memoryMb, monitor)));
        this.redis = serviceContainer(`${name}-redis`, {
            ...common,
            service: "redis",
            image: pulledImage(`${name}-redis-image`, args.images.redis, this),
            networks: rowNetworks(p, service("redis")),
            // The password lives in an uploaded config file, not in the process arguments or the
            // environment; redis-server reads it as the redis user.
            command: ["redis-server", REDIS_CONF],
            uploads: [{ file: REDIS_CONF, content: redisConfText, permissions: "0400", owner: String(REDIS_UID), group: String(REDIS_UID) }],
            volumes: [{ volumeName: this.volumes.redis.name, containerPath: "/data" }],
            // The check runs as root and hands redis-cli the password from the config, in its
            // own environment only.
            healthcheck: healthcheck(["CMD-SHELL", `REDISCLI_AUTH="$(sed -n 's/^requirepass //p' ${REDIS_CONF})" redis-cli ping | grep -q PONG`]),
            resources: args.resources.redis,
        }, { parent: this });

        const engine = args.objectStore.engine;
        this.objectStore = objectStore(args.objectStore, {
            stack,
            name,
            parent: this,
            dataNetwork: p.networks.data,
            placement: p,
            resources: engine === "minio" ? args.resources.minio : args.resources.seaweedfs,
            protectVolume: args.protectVolumes,
            healthTimeoutSeconds: p.healthTimeoutSeconds,
            rootPassword: secrets.objectStoreRootPassword,
            appSecretKey: secrets.objectStoreAppSecretKey,
            backupSecretKey: secrets.objectStoreBackupSecretKey,
        }, args.images);
        const store = this.objectStore;

        if (p.publish) {
            const forward = (svc: string, hostPort: number) => ({ listen: portOf(svc), hostPort, target: aliasOf(svc), targetPort: portOf(svc) });
            this.devPorts = new DevPorts(`${name}-dev-ports`, {
                stack,
                nodeImage: pulledImage(`${name}-node-image`, args.images.node, this),
                dataNetwork: p.networks.data,
                healthTimeoutSeconds: p.healthTimeoutSeconds,
                forwards: [
                    forward("postgres", args.ports.postgres),
                    forward("redis", args.ports.redis),
                    // The seed's 9000 (S3 API) and 9001 (web UI) ports, where the engine has them.
                    ...objectStoreForwards(engine).map((f) => ({ ...f, hostPort: f.listen === 9000 ? args.ports.minioApi : args.ports.minioConsole })),
                ],
            }, { parent: this, dependsOn: [this.postgres, this.redis, ...(store.container ? [store.container] : [])] });
        }
        this.endpoints = {
            postgres: {
                host: aliasOf("postgres"),
                port: portOf("postgres"),
                database: APP_DATABASE,
                appUrl: databaseUrl(secrets.postgresAppPassword),
                adminUrl: adminDatabaseUrl(secrets.postgresAdminPassword),
                adminUser: ADMIN_ROLE,
                adminPassword: secrets.postgresAdminPassword,
                ready: [roles],
            },
            redis: { host: aliasOf("redis"), port: portOf("redis"), url: redisUrl(secrets.redisPassword), password: secrets.redisPassword },
            objectStore: { engine: store.engine, s3: store.endpoint, app: store.app, backup: store.backup, needsEgress: store.needsEgress, ready: store.ready },
            ready: [this.postgres, this.redis, ...store.ready, roles],
        };
        this.containerNames = {
            postgres: this.postgres.name,
            redis: this.redis.name,
            ...(store.container ? { [store.engine]: store.container.name } : {}),
        };
        this.registerOutputs({ containerNames: this.containerNames });
    }
}

function validateDataTierArgs(args: DataTierArgs): void {
    if (!isStackName(args.placement.stack)) throw new Error(`DataTier: stack name ${JSON.stringify(args.placement.stack)} must be ${STACK_NAME_RULE}`);
    if (args.placement.healthTimeoutSeconds < 1) throw new Error("DataTier: healthTimeoutSeconds must be positive");
}
