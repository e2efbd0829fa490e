import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { BackupJob } from "./backupJob";
import { DevPorts } from "./devPorts";
import { BackupConfig, ImageRefs, PortsConfig, ResourceLimits } from "./config";
import { pulledImage } from "./images";
import { containerName, imstackLabels, labelList, objectLabels, resourcePrefix } from "./naming";
import { APP_DATABASE, APP_ROLE, PostgresRoles } from "./postgresRoles";
import { SecretFile, secretFileEnvs, secretUploads } from "./secretFiles";
import { healthcheck, serviceContainer } from "./service";

export const MINIO_ROOT_USER = "imstack-root";
export const MINIO_APP_USER = "imstack-app";
/** The backup job's own MinIO identity: the app bucket only, no admin API. */
export const MINIO_BACKUP_USER = "imstack-backup";
export const BUCKET = "imstack";

/** The official redis image's `redis` user, which reads redis.conf once it dropped root. */
const REDIS_UID = 999;
const REDIS_CONF = "/usr/local/etc/redis/redis.conf";

/** Bucket-scoped policy: objects of the app bucket, plus `bucketActions` on the bucket itself. */
function bucketPolicy(bucketActions: readonly string[]): string {
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [
            { Effect: "Allow", Action: ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads", ...bucketActions], Resource: [`arn:aws:s3:::${BUCKET}`] },
            { Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"], Resource: [`arn:aws:s3:::${BUCKET}/*`] },
        ],
    }, null, 2);
}

export interface DataTierArgs {
    /** Stack name, used in resource names and labels. */
    readonly stack: string;
    /** Official images (or substitutes) by reference. */
    readonly images: Pick<ImageRefs, "postgres" | "redis" | "minio" | "minioClient" | "node">;
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
    readonly resources: { postgres: ResourceLimits; redis: ResourceLimits; minio: ResourceLimits; backup: ResourceLimits };
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
    /** MinIO root password. */
    readonly minioRootPassword: pulumi.Input<string>;
    /** Secret key of the MinIO app user. */
    readonly minioAppSecretKey: pulumi.Input<string>;
    /** Secret key of the MinIO user the backup job uses. */
    readonly minioBackupSecretKey: pulumi.Input<string>;
}

export class DataTier extends pulumi.ComponentResource {
    public readonly volumes: { postgres: docker.Volume; redis: docker.Volume; minio: docker.Volume; backups: docker.Volume };
    public readonly postgres: docker.Container;
    public readonly redis: docker.Container;
    public readonly minio: docker.Container;
    /** One-shot job that creates the bucket and the app and backup users with their bucket-scoped policies. */
    public readonly minioInit: docker.Container;
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
        this.volumes = { postgres: volume("postgres"), redis: volume("redis"), minio: volume("minio"), backups: volume("backups") };

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

        this.minio = serviceContainer(`${name}-minio`, {
            ...common,
            service: "minio",
            image: pulledImage(`${name}-minio-image`, args.images.minio, this),
            networks: net("minio"),
            command: ["server", "/data", "--console-address", ":9001"],
            // MinIO runs as root in its image and reads both files at start.
            secrets: {
                files: [{ variable: "MINIO_ROOT_USER", value: MINIO_ROOT_USER }, { variable: "MINIO_ROOT_PASSWORD", value: args.minioRootPassword }],
                uid: 0,
            },
            volumes: [{ volumeName: this.volumes.minio.name, containerPath: "/data" }],
            // The image ships `mc`, whose default alias "local" is this server.
            healthcheck: healthcheck(["CMD-SHELL", "mc ready local"], { startPeriod: "20s" }),
            resources: args.resources.minio,
        }, { parent: this });

        // The init job reads each credential from its file once and empties the file, so the
        // exited container keeps none, neither in its environment nor on its filesystem.
        const initSecrets: SecretFile[] = [
            { variable: "MINIO_ROOT_PASSWORD", value: args.minioRootPassword },
            { variable: "APP_SECRET_KEY", value: args.minioAppSecretKey },
            { variable: "BACKUP_SECRET_KEY", value: args.minioBackupSecretKey },
        ];
        const user = (access: string, secret: string, policy: string) => [
            `mc admin user add imstack "${access}" "${secret}"`,
            `mc admin policy create imstack ${policy} /etc/imstack/${policy}.json`,
            `mc admin policy attach imstack ${policy} --user "${access}" || mc admin user info imstack "${access}" | grep -q ${policy}`,
        ];
        const initScript = [
            "set -eu",
            `take() { v=''; IFS= read -r v < "$1" || [ -n "$v" ]; : > "$1"; [ -n "$v" ] || { echo "minio-init: $1 holds no secret" >&2; return 1; }; printf '%s' "$v"; }`,
            `root_password=$(take "$MINIO_ROOT_PASSWORD_FILE")`,
            `app_secret=$(take "$APP_SECRET_KEY_FILE")`,
            `backup_secret=$(take "$BACKUP_SECRET_KEY_FILE")`,
            // mc's credentials stay in this shell's environment, never in the container's.
            `export MC_HOST_imstack="http://$MINIO_ROOT_USER:$root_password@minio:9000"`,
            `mc mb --ignore-existing "imstack/${BUCKET}"`,
            ...user("$APP_ACCESS_KEY", "$app_secret", "imstack-app"),
            ...user("$BACKUP_ACCESS_KEY", "$backup_secret", "imstack-backup"),
            `echo "bucket ${BUCKET} and users $APP_ACCESS_KEY, $BACKUP_ACCESS_KEY ready"`,
        ].join("\n");
        this.minioInit = new docker.Container(`${name}-minio-init`, {
            name: containerName(stack, "minio-init"),
            image: pulledImage(`${name}-minio-client-image`, args.images.minioClient, this),
            networkMode: args.dataNetwork,
            networksAdvanced: [{ name: args.dataNetwork, aliases: [] }],
            entrypoints: ["/bin/sh", "-c"],
            command: [initScript],
            envs: [
                `MINIO_ROOT_USER=${MINIO_ROOT_USER}`,
                `APP_ACCESS_KEY=${MINIO_APP_USER}`,
                `BACKUP_ACCESS_KEY=${MINIO_BACKUP_USER}`,
                ...secretFileEnvs(initSecrets),
            ],
            uploads: [
                { file: "/etc/imstack/imstack-app.json", content: bucketPolicy([]) },
                // A restore into an emptied store creates the bucket again.
                { file: "/etc/imstack/imstack-backup.json", content: bucketPolicy(["s3:CreateBucket"]) },
                ...secretUploads(initSecrets, 0),
            ],
            labels: labelList(imstackLabels(stack, "minio-init", "data")),
            // Runs once per change of its inputs; an exited one-shot is not "drift".
            mustRun: false,
            attach: true,
            logs: true,
            restart: "no",
            logDriver: "json-file",
            logOpts: { "max-size": "1m", "max-file": "1" },
            securityOpts: ["no-new-privileges:true"],
            memory: 128,
        }, { parent: this, dependsOn: [this.minio], deleteBeforeReplace: true });

        if (args.publish) {
            this.devPorts = new DevPorts(`${name}-dev-ports`, {
                stack,
                nodeImage: pulledImage(`${name}-node-image`, args.images.node, this),
                dataNetwork: args.dataNetwork,
                healthTimeoutSeconds: args.healthTimeoutSeconds,
                forwards: [
                    { listen: 5432, hostPort: args.ports.postgres, target: "postgres", targetPort: 5432 },
                    { listen: 6379, hostPort: args.ports.redis, target: "redis", targetPort: 6379 },
                    { listen: 9000, hostPort: args.ports.minioApi, target: "minio", targetPort: 9000 },
                    { listen: 9001, hostPort: args.ports.minioConsole, target: "minio", targetPort: 9001 },
                ],
            }, { parent: this, dependsOn: [this.postgres, this.redis, this.minio] });
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
                minioSecretKey: args.minioBackupSecretKey,
                redisPassword: args.redisPassword,
                backupKey: args.backupKey,
                backupPreviousKeys: args.backupPreviousKeys,
            // The superuser password is valid only once ALTER ROLE ran; the bucket must exist.
            }, { parent: this, dependsOn: [roles, this.minioInit] });
        }
        this.containerNames = {
            postgres: this.postgres.name,
            redis: this.redis.name,
            minio: this.minio.name,
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
