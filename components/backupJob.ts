import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { STATUS_FILE } from "../automation/backup/status";
import { BackupConfig, ResourceLimits } from "./config";
import { builtImage } from "./images";
import { objectLabels, resourcePrefix } from "./naming";
import { S3Credential, S3Endpoint, s3Envs } from "./objectStore/types";
import { APP_DATABASE } from "./postgresRoles";
import { SecretFile } from "./secretFiles";
import { healthcheck, serviceContainer } from "./service";

export interface BackupJobArgs {
    /** Stack name; archives of other stacks are refused. */
    readonly stack: string;
    /** Project root holding automation/backup. */
    readonly projectDir: string;
    /** Schedule, retention, encryption and off-site settings. */
    readonly backup: BackupConfig;
    /** The postgres image the server runs, so pg_dump matches its major version. */
    readonly postgresImage: string;
    /** Image node is copied from. */
    readonly nodeImage: string;
    /** Extra build args (e.g. a proxy CA). */
    readonly buildArgs: Record<string, string>;
    /** Internal data network. */
    readonly dataNetwork: pulumi.Input<string>;
    /** Volume the archives and status.json live in. */
    readonly backupsVolume: pulumi.Input<string>;
    /** Memory and CPU limits. */
    readonly resources: ResourceLimits;
    /** Seconds to wait for the job to turn healthy. */
    readonly healthTimeoutSeconds: number;
    /** Superuser password for pg_dump/pg_restore and the database swap. */
    readonly postgresAdminPassword: pulumi.Input<string>;
    /** The object store's S3 API. */
    readonly s3: S3Endpoint;
    /** The job's own identity on it (not the backend's, never MinIO's root). */
    readonly s3Credential: S3Credential;
    /** The store is outside the internal data network (external engine). */
    readonly needsEgress: boolean;
    /** Redis password, used when backups include redis. */
    readonly redisPassword: pulumi.Input<string>;
    /** Current backup encryption key. */
    readonly backupKey: pulumi.Input<string>;
    /** Keys of earlier rotations, comma separated. */
    readonly backupPreviousKeys: pulumi.Input<string>;
}

/**
 * The scheduled backup job. Its image is the configured postgres image plus Node and the ops
 * code in automation/backup, so scheduled runs and `imctl backup` (which execs into this
 * container) share one code path and pg_dump always matches the server.
 */
export class BackupJob extends pulumi.ComponentResource {
    public readonly container: docker.Container;

    constructor(name: string, args: BackupJobArgs, opts?: pulumi.ComponentResourceOptions) {
        super("imstack:data:BackupJob", name, {}, opts);
        const b = args.backup;
        const s3AccessKey = pulumi.output(args.s3Credential.accessKey);
        const components = ["postgres", "minio", ...(b.includeRedis ? ["redis"] : [])].join(",");
        const envs: pulumi.Input<string>[] = [
            `STACK=${args.stack}`,
            "PGHOST=postgres", "PGPORT=5432", "PGUSER=postgres", `PGDATABASE=${APP_DATABASE}`,
            // The archive's component stays "minio" whatever the engine: it holds objects, not engine files.
            `BACKUP_SCHEDULE=${b.schedule}`, `BACKUP_TIMEZONE=${b.timezone}`,
            `RETENTION_DAYS=${b.retentionDays}`, `KEEP_LAST=${b.keepLast}`,
            `BACKUP_COMPONENTS=${components}`,
        ];
        // The key goes to the job either way: with backup.encrypt false it still MACs the plain
        // archives, so a forged one is refused (automation/backup/mac.ts).
        envs.push(`BACKUP_ENCRYPT=${b.encrypt}`);
        envs.push(...s3Envs(args.s3, "").filter((e) => !e.startsWith("S3_ACCESS_KEY=")), pulumi.interpolate`S3_ACCESS_KEY=${s3AccessKey}`);
        // Every credential is a file (automation/backup/secretEnv.ts reads X_FILE).
        const secrets: SecretFile[] = [
            { variable: "PGPASSWORD", value: args.postgresAdminPassword },
            { variable: "S3_SECRET_KEY", value: args.s3Credential.secretKey },
            { variable: "BACKUP_KEY", value: args.backupKey },
            { variable: "BACKUP_PREVIOUS_KEYS", value: args.backupPreviousKeys },
        ];
        if (b.includeRedis) {
            envs.push("REDIS_HOST=redis", "REDIS_PORT=6379");
            secrets.push({ variable: "REDIS_PASSWORD", value: args.redisPassword });
        }
        if (b.remote) {
            const r = b.remote;
            envs.push(
                `REMOTE_S3_ENDPOINT=${r.endpoint}`, `REMOTE_S3_PORT=${r.port}`, `REMOTE_S3_USE_SSL=${r.useSsl}`,
                `REMOTE_S3_BUCKET=${r.bucket}`, `REMOTE_S3_REGION=${r.region}`, `REMOTE_S3_ACCESS_KEY=${r.accessKey}`,
            );
            secrets.push({ variable: "REMOTE_S3_SECRET_KEY", value: pulumi.secret(r.secretKey) });
        }
        const context = path.join(args.projectDir, "automation", "backup");
        const networks: Array<{ name: pulumi.Input<string>; aliases?: string[] }> = [{ name: args.dataNetwork, aliases: ["backup"] }];
        if (b.remote || args.needsEgress) {
            // Off-site copies and an external store need a route out, which the internal data
            // network never gives; a network of its own keeps the job off the edge network.
            const egress = new docker.Network(`${name}-egress`, {
                name: `${resourcePrefix(args.stack)}-backup-egress`,
                driver: "bridge",
                labels: objectLabels(args.stack),
            }, { parent: this });
            networks.push({ name: egress.name });
        }
        this.container = serviceContainer(`${name}-container`, {
            stack: args.stack,
            service: "backup",
            tier: "data",
            image: builtImage(`${name}-image`, {
                context,
                imageName: `${resourcePrefix(args.stack)}/backup:latest`,
                args: { POSTGRES_IMAGE: args.postgresImage, NODE_IMAGE: args.nodeImage, ...args.buildArgs },
            }, this),
            networks,
            envs,
            // The job runs as root in its image.
            secrets: { files: secrets, uid: 0 },
            volumes: [
                { volumeName: args.backupsVolume, containerPath: "/backups" },
                // A restore killed mid-way leaves the site in maintenance with the backends
                // stopped, and imctl, which entered it, gone: the job lifts it when it comes back
                // (automation/backup/site.ts). Only the engine can start containers and reach
                // nginx's flag, hence the socket; why, and the cost: docs/operations.md,
                // "Interrupted restores".
                { hostPath: "/var/run/docker.sock", containerPath: "/var/run/docker.sock" },
            ],
            // The job writes its status file to the volume as it starts; a shell test of it costs
            // nothing, where starting node for `main.js status` took seconds on a loaded host and
            // flapped. Backup age is judged by `imctl health`, not here, so a missed night does
            // not mark the job unhealthy. Docker 20.10 runs the first check only after one
            // interval, which gates `wait`.
            healthcheck: healthcheck(["CMD-SHELL", `test -r /backups/${STATUS_FILE}`],
                { interval: "10s", timeout: "10s", startPeriod: "20s", retries: 3 }),
            resources: args.resources,
            healthTimeoutSeconds: args.healthTimeoutSeconds,
            destroyGraceSeconds: 120,
        }, { parent: this });
        this.registerOutputs({ container: this.container.name });
    }
}
