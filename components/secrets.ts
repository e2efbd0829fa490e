// Generated credentials. Each password has keepers tied to its `rotation.<name>` config value,
// so changing that value gives a new password on the next `up`.
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { createHmac } from "crypto";
import { StackConfig } from "./config";

export interface StackSecretsArgs {
    /** The rotation values from config (`imstack:rotation.*`). */
    readonly rotation: pulumi.Input<StackConfig["rotation"]>;
    /** Generate the monitoring tier's credentials (`monitoring.enabled`). */
    readonly monitoring?: boolean;
    /** Generate the admin UI's credentials (`adminUi.enabled`). */
    readonly adminUi?: boolean;
}

/** The monitoring tier's generated credentials. */
export interface MonitoringSecrets {
    /** postgres_exporter's `imstack_monitor` role (rotation.postgres). */
    readonly postgresMonitorPassword: pulumi.Output<string>;
    /** redis_exporter's ACL user (rotation.redis). */
    readonly redisMonitorPassword: pulumi.Output<string>;
    /** Grafana's `admin` (rotation.grafana). */
    readonly grafanaAdminPassword: pulumi.Output<string>;
}

/** The admin UI's generated credentials. */
export interface AdminUiSecrets {
    /** postgres-meta's `imstack_studio` role (rotation.postgres). */
    readonly postgresStudioPassword: pulumi.Output<string>;
    /** nginx's basic authentication in front of Studio, user `admin` (rotation.studio). */
    readonly studioPassword: pulumi.Output<string>;
}

/** Alphanumerics only: safe inside URLs, shell words, SQL literals and config files. */
const URL_SAFE = { special: false, upper: true, lower: true, numeric: true, minUpper: 2, minLower: 2, minNumeric: 2 } as const;

export class StackSecrets extends pulumi.ComponentResource {
    /** Initial superuser password for initdb only (POSTGRES_PASSWORD applies at first start). */
    public readonly postgresBootstrapPassword: pulumi.Output<string>;
    /** Superuser (`postgres`) password, set on the server by ALTER ROLE. */
    public readonly postgresAdminPassword: pulumi.Output<string>;
    /** Password of the least-privilege `imstack_app` role. */
    public readonly postgresAppPassword: pulumi.Output<string>;
    public readonly redisPassword: pulumi.Output<string>;
    /** MinIO's root password (the minio engine only). */
    public readonly objectStoreRootPassword: pulumi.Output<string>;
    /** Secret key of the identity the backend uses on a local object store. */
    public readonly objectStoreAppSecretKey: pulumi.Output<string>;
    /** Secret key of the backup job's own identity on a local object store (never MinIO's root). */
    public readonly objectStoreBackupSecretKey: pulumi.Output<string>;
    /** Current JWT signing secret. */
    public readonly jwtSecret: pulumi.Output<string>;
    /** The secret before the last rotation, accepted for verification only. */
    public readonly jwtSecretPrevious: pulumi.Output<string>;
    /** Current backup encryption key (hex, 32 bytes). */
    public readonly backupKey: pulumi.Output<string>;
    /** Keys of earlier rotations, comma separated, so older archives stay restorable. */
    public readonly backupPreviousKeys: pulumi.Output<string>;
    /** Only with `monitoring.enabled`. */
    public readonly monitoring?: MonitoringSecrets;
    /** Only with `adminUi.enabled`. */
    public readonly adminUi?: AdminUiSecrets;

    constructor(name: string, args: StackSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("imstack:secrets:StackSecrets", name, {}, opts);
        const rotation = pulumi.output(args.rotation);
        const password = (part: string, length: number, keeper: pulumi.Input<string> | undefined) =>
            new random.RandomPassword(`${name}-${part}`, {
                length,
                ...URL_SAFE,
                keepers: keeper === undefined ? undefined : { rotation: keeper },
            }, { parent: this }).result;

        this.postgresBootstrapPassword = password("postgres-bootstrap", 32, undefined);
        this.postgresAdminPassword = password("postgres-admin", 32, rotation.postgres);
        this.postgresAppPassword = password("postgres-app", 32, rotation.postgres);
        this.redisPassword = password("redis", 32, rotation.redis);
        // `rotation.minio` rotates the object store's keys on either local engine; the resource
        // names are the ones existing stacks hold, so upgrading does not rotate anything.
        this.objectStoreRootPassword = password("minio-root", 32, rotation.minio);
        this.objectStoreAppSecretKey = password("minio-app", 40, rotation.minio);
        this.objectStoreBackupSecretKey = password("minio-backup", 40, rotation.minio);

        // JWT and backup keys must stay usable after a rotation (sessions stay valid, old archives
        // stay restorable), so they are derived from a never-rotated master and the rotation
        // value: the previous key is then just the derivation with the previous value.
        const jwtMaster = password("jwt-master", 64, undefined);
        const backupMaster = password("backup-master", 64, undefined);
        const derive = (master: pulumi.Output<string>, purpose: string, label: pulumi.Input<string>) =>
            pulumi.secret(pulumi.all([master, label]).apply(([m, l]) => createHmac("sha256", m).update(`${purpose}:${l}`).digest("hex")));
        this.jwtSecret = derive(jwtMaster, "jwt", rotation.jwt);
        this.jwtSecretPrevious = derive(jwtMaster, "jwt", rotation.jwtPrevious);
        this.backupKey = derive(backupMaster, "backup", rotation.backup);
        this.backupPreviousKeys = pulumi.secret(pulumi.all([backupMaster, rotation.backupPrevious]).apply(([m, prev]) =>
            prev.map((l) => createHmac("sha256", m).update(`backup:${l}`).digest("hex")).join(",")));

        if (args.monitoring) {
            this.monitoring = {
                postgresMonitorPassword: password("postgres-monitor", 32, rotation.postgres),
                redisMonitorPassword: password("redis-monitor", 32, rotation.redis),
                grafanaAdminPassword: password("grafana-admin", 32, rotation.grafana),
            };
        }
        if (args.adminUi) {
            this.adminUi = {
                postgresStudioPassword: password("postgres-studio", 32, rotation.postgres),
                studioPassword: password("studio", 32, rotation.studio),
            };
        }

        this.registerOutputs({});
    }
}
