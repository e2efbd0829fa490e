import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { BackupJob } from "./backupJob";
import { DevPorts } from "./devPorts";
import { BackupConfig, ImageRefs, ObjectStoreConfig, PortsConfig, ResourceLimits } from "./config";
import { pulledImage } from "./images";
import { objectLabels, resourcePrefix } from "./naming";
import { ObjectStore, objectStore, objectStoreForwards } from "./objectStore";
import { APP_DATABASE, APP_ROLE, PostgresRoles } from "./postgresRoles";
import { healthcheck, serviceContainer } from "./service";

export { BUCKET } from "./objectStore/types";
export { MINIO_APP_USER, MINIO_BACKUP_USER, MINIO_ROOT_USER } from "./objectStore/minio";

/** The official redis image's `redis` user, which reads redis.conf once it dropped root. */
const REDIS_UID = 999;
const REDIS_CONF = "/usr/local/etc/redis/redis.conf";

export interface DataTierArgs {
    /** Stack name, used in resource names and labels. */
    readonly stack: string;
    /** Official images (or substitutes) by reference. */
    readonly images: Pick<ImageRefs, "postgres" | "redis" | "seaweedfs" | "minio" | "minioClient" | "node">;
    /** Which object store, and an external one's settings. */
    readonly objectStore: ObjectStoreConfig;
    /** Project root (automation/backup is the backup job's build context). */
    readonly projectDir: string;
    /** Extra build args for the backup job image. */
    readonly buildArgs: Record<string, string>;
    /** Backup schedule, retention, encryption and off-site settings. */
    readonly backup: BackupConfig;
    /** Current backup encryption key. */
    readonly backupKey: pulumi.Input<string>;
    /** Keys of earlier backup rotations, comma separated. */
    readonly backupPreviousKeys: pulumi.Input<string>;
    /** Internal data network the services attach to. */
    readonly dataNetwork: pulumi.Input<string>;
    /** Publish data ports on 127.0.0.1 (dev only), through the DevPorts forwarder. */
    readonly publish: boolean;
    /** Host ports used when publishing. */
    readonly ports: Pick<PortsConfig, "postgres" | "redis" | "minioApi" | "minioConsole">;
    /** Memory and CPU limits per service. */
    readonly resources: { postgres: ResourceLimits; redis: ResourceLimits; minio: ResourceLimits; seaweedfs: ResourceLimits; backup: ResourceLimits };
    /** Protect data volumes from deletion (prod). */
    readonly protectVolumes: boolean;
    /** Seconds to wait for each service to turn healthy. */
    readonly healthTimeoutSeconds: number;
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
    /** The scheduled backup job, unless backups are disabled. */
    public readonly backupJob?: BackupJob;
    public readonly containerNames: Record<string, pulumi.Output<string>>;

    constructor(name: string, args: DataTierArgs, opts?: pulumi.ComponentResourceOptions) {
        super("imstack:tiers:DataTier", name, {}, opts);
        validateDataTierArgs(args);
        const { stack } = args;
        const volume = (part: string) => new docker.Volume(`${name}-${part}`, {
            name: `${resourcePrefix(stack)}-${part}`,
            labels: objectLabels(stack, { "com.imstack.volume": part }),
        }, { parent: this, retainOnDelete: true, protect: args.protectVolumes });
        this.volumes = { postgres: volume("postgres"), redis: volume("redis"), backups: volume("backups") };

        const common = { stack, tier: "data" as const, healthTimeoutSeconds: args.healthTimeoutSeconds };
        const net = (alias: string) => [{ name: args.dataNetwork, aliases: [alias] }];

        this.postgres = serviceContainer(`${name}-postgres`, {
            ...common,
            service: "postgres",
            image: pulledImage(`${name}-postgres-image`, args.images.postgres, this),
            networks: net("postgres"),
            envs: [
                "POSTGRES_USER=postgres",
                "POSTGRES_DB=postgres",
                "PGDATA=/var/lib/postgresql/data/pgdata",
            ],
            // The entrypoint reads the file as root, before it drops to the postgres user.
            secrets: { files: [{ variable: "POSTGRES_PASSWORD", value: args.postgresBootstrapPassword }], uid: 0 },
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
            adminPassword: args.postgresAdminPassword,
            appPassword: args.postgresAppPassword,
        }, { parent: this, dependsOn: [this.postgres] });
        this.postgresRoles = roles;

        const redisConf = pulumi.secret(pulumi.output(args.redisPassword).apply((pw) => [
            "bind 0.0.0.0",
            "port 6379",
            "dir /data",
            "appendonly yes",
            "appendfsync everysec",
            `requirepass ${pw}`,
            "",
        ].join("\n")));
        this.redis = serviceContainer(`${name}-redis`, {
            ...common,
            service: "redis",
            image: pulledImage(`${name}-redis-image`, args.images.redis, this),
            networks: net("redis"),
            // The password lives in an uploaded config file, not in the process arguments or the
            // environment; redis-server reads it as the redis user.
            command: ["redis-server", REDIS_CONF],
            uploads: [{ file: REDIS_CONF, content: redisConf, permissions: "0400", owner: String(REDIS_UID), group: String(REDIS_UID) }],
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
            dataNetwork: args.dataNetwork,
            resources: engine === "minio" ? args.resources.minio : args.resources.seaweedfs,
            protectVolume: args.protectVolumes,
            healthTimeoutSeconds: args.healthTimeoutSeconds,
            rootPassword: args.objectStoreRootPassword,
            appSecretKey: args.objectStoreAppSecretKey,
            backupSecretKey: args.objectStoreBackupSecretKey,
        }, args.images);
        const store = this.objectStore;

        if (args.publish) {
            this.devPorts = new DevPorts(`${name}-dev-ports`, {
                stack,
                nodeImage: pulledImage(`${name}-node-image`, args.images.node, this),
                dataNetwork: args.dataNetwork,
                healthTimeoutSeconds: args.healthTimeoutSeconds,
                forwards: [
                    { listen: 5432, hostPort: args.ports.postgres, target: "postgres", targetPort: 5432 },
                    { listen: 6379, hostPort: args.ports.redis, target: "redis", targetPort: 6379 },
                    // The seed's 9000 (S3 API) and 9001 (web UI) ports, where the engine has them.
                    ...objectStoreForwards(engine).map((f) => ({ ...f, hostPort: f.listen === 9000 ? args.ports.minioApi : args.ports.minioConsole })),
                ],
            }, { parent: this, dependsOn: [this.postgres, this.redis, ...(store.container ? [store.container] : [])] });
        }
        if (args.backup.enabled) {
            this.backupJob = new BackupJob(`${name}-backup`, {
                stack,
                projectDir: args.projectDir,
                backup: args.backup,
                postgresImage: args.images.postgres,
                nodeImage: args.images.node,
                buildArgs: args.buildArgs,
                dataNetwork: args.dataNetwork,
                backupsVolume: this.volumes.backups.name,
                resources: args.resources.backup,
                healthTimeoutSeconds: args.healthTimeoutSeconds,
                postgresAdminPassword: args.postgresAdminPassword,
                s3: store.endpoint,
                s3Credential: store.backup,
                needsEgress: store.needsEgress,
                redisPassword: args.redisPassword,
                backupKey: args.backupKey,
                backupPreviousKeys: args.backupPreviousKeys,
            // The superuser password is valid only once ALTER ROLE ran; the bucket must exist.
            }, { parent: this, dependsOn: [roles, ...store.ready] });
        }
        this.containerNames = {
            postgres: this.postgres.name,
            redis: this.redis.name,
            ...(store.container ? { [store.engine]: store.container.name } : {}),
            ...(this.backupJob ? { backup: this.backupJob.container.name } : {}),
        };
        this.registerOutputs({ containerNames: this.containerNames });
    }
}

function validateDataTierArgs(args: DataTierArgs): void {
    if (!/^[a-z0-9][a-z0-9_.-]*$/i.test(args.stack)) throw new Error(`DataTier: stack name ${JSON.stringify(args.stack)} is not usable in Docker names`);
    if (args.healthTimeoutSeconds < 1) throw new Error("DataTier: healthTimeoutSeconds must be positive");
}

export function databaseUrl(password: pulumi.Input<string>): pulumi.Output<string> {
    return pulumi.secret(pulumi.interpolate`postgres://${APP_ROLE}:${password}@postgres:5432/${APP_DATABASE}`);
}

export function adminDatabaseUrl(password: pulumi.Input<string>): pulumi.Output<string> {
    return pulumi.secret(pulumi.interpolate`postgres://postgres:${password}@postgres:5432/postgres`);
}

export function redisUrl(password: pulumi.Input<string>): pulumi.Output<string> {
    return pulumi.secret(pulumi.interpolate`redis://:${password}@redis:6379/0`);
}
