import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { BACKUPS_DIR, Component, DOCKER_SOCKET, STATUS_FILE, toEnv } from "../automation/backup/contract";
import { service } from "../catalogue";
import { BackupConfig, ResourceLimits } from "./config";
import { builtImage } from "./images";
import { objectLabels, resourcePrefix } from "./naming";
import { DataEndpoints } from "./endpoints";
import { Placement, rowNetworks } from "./placement";
import { SecretFile } from "./secretFiles";
import { healthcheck, serviceContainer } from "./service";

export interface BackupJobArgs {
    /** Stack (archives of other stacks are refused), networks, health timeout, build inputs. */
    readonly placement: Placement;
    /** Schedule, retention, encryption and off-site settings. */
    readonly backup: BackupConfig;
    /** The postgres image the server runs, so pg_dump matches its major version. */
    readonly postgresImage: string;
    /** Volume the archives and status.json live in. */
    readonly backupsVolume: pulumi.Input<string>;
    /** Memory and CPU limits. */
    readonly resources: ResourceLimits;
    /** The data tier's connections: postgres as the superuser, redis, and the job's own S3 identity. */
    readonly endpoints: Pick<DataEndpoints, "postgres" | "redis" | "objectStore">;
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
        const { stack } = args.placement;
        const { postgres: pg, redis, objectStore: store } = args.endpoints;
        // The archive's component stays "minio" whatever the engine: it holds objects, not engine files.
        const components: Component[] = ["postgres", "minio", ...(b.includeRedis ? ["redis" as const] : [])];
        // The job's own schema (automation/backup/contract): what it reads back, with its defaults.
        // The key goes to the job either way: with backup.encrypt false it still MACs the plain
        // archives, so a forged one is refused (automation/backup/mac.ts).
        const envs = pulumi.output(store.backup.accessKey).apply((accessKey) => toEnv({
            stack,
            postgres: { host: pg.host, port: pg.port, user: pg.adminUser, database: pg.database },
            schedule: b.schedule, timezone: b.timezone, retentionDays: b.retentionDays, keepLast: b.keepLast,
            components,
            encrypt: b.encrypt,
            s3: { endPoint: store.s3.host, port: store.s3.port, useSSL: store.s3.useSsl, region: store.s3.region, bucket: store.s3.bucket, accessKey },
            redis: b.includeRedis ? { host: redis.host, port: redis.port } : undefined,
            remote: b.remote ? {
                endPoint: b.remote.endpoint, port: b.remote.port, useSSL: b.remote.useSsl,
                bucket: b.remote.bucket, region: b.remote.region, accessKey: b.remote.accessKey,
            } : undefined,
        }));
        // Every credential is a file (the contract's SECRET_ENV, read from X_FILE).
        const secrets: SecretFile[] = [
            { variable: "PGPASSWORD", value: pg.adminPassword },
            { variable: "S3_SECRET_KEY", value: store.backup.secretKey },
            { variable: "BACKUP_KEY", value: args.backupKey },
            { variable: "BACKUP_PREVIOUS_KEYS", value: args.backupPreviousKeys },
        ];
        if (b.includeRedis) secrets.push({ variable: "REDIS_PASSWORD", value: redis.password });
        if (b.remote) secrets.push({ variable: "REMOTE_S3_SECRET_KEY", value: pulumi.secret(b.remote.secretKey) });
        const build = args.placement.build;
        const context = path.join(build.projectDir, "automation", "backup");
        const networks: Array<{ name: pulumi.Input<string>; aliases?: string[] }> = rowNetworks(args.placement, service("backup"));
        if (b.remote || store.needsEgress) {
            // Off-site copies and an external store need a route out, which the internal data
            // network never gives; a network of its own keeps the job off the edge network.
            const egress = new docker.Network(`${name}-egress`, {
                name: `${resourcePrefix(stack)}-backup-egress`,
                driver: "bridge",
                labels: objectLabels(stack),
            }, { parent: this });
            networks.push({ name: egress.name });
        }
        this.container = serviceContainer(`${name}-container`, {
            stack,
            service: "backup",
            tier: "data",
            image: builtImage(`${name}-image`, {
                context,
                imageName: `${resourcePrefix(stack)}/backup:latest`,
                args: { POSTGRES_IMAGE: args.postgresImage, NODE_IMAGE: build.nodeImage, ...build.buildArgs },
            }, this),
            networks,
            envs,
            // The job runs as root in its image.
            secrets: { files: secrets, uid: 0 },
            volumes: [
                { volumeName: args.backupsVolume, containerPath: BACKUPS_DIR },
                // A restore killed mid-way leaves the site in maintenance with the backends
                // stopped, and imctl, which entered it, gone: the job lifts it when it comes back
                // (automation/backup/site.ts). Only the engine can start containers and reach
                // nginx's flag, hence the socket; why, and the cost: docs/operations.md,
                // "Interrupted restores".
                { hostPath: "/var/run/docker.sock", containerPath: DOCKER_SOCKET },
            ],
            // The job writes its status file to the volume as it starts; a shell test of it costs
            // nothing, where starting node for `main.js status` took seconds on a loaded host and
            // flapped. Backup age is judged by `imctl health`, not here, so a missed night does
            // not mark the job unhealthy. Docker 20.10 runs the first check only after one
            // interval, which gates `wait`.
            healthcheck: healthcheck(["CMD-SHELL", `test -r ${BACKUPS_DIR}/${STATUS_FILE}`],
                { interval: "10s", timeout: "10s", startPeriod: "20s", retries: 3 }),
            resources: args.resources,
            healthTimeoutSeconds: args.placement.healthTimeoutSeconds,
            destroyGraceSeconds: 120,
        }, { parent: this });
        this.registerOutputs({ container: this.container.name });
    }
}
