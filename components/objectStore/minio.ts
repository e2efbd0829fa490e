// The MinIO engine, kept for existing deployments: the community edition is archived and its
// images are frozen on quay.io (docs/operations.md, "Migrating from MinIO").
import { aliasOf, portOf, service } from "../../catalogue";
import { rowNetworks } from "../placement";
import { ImageRefs } from "../config";
import { pulledImage } from "../images";
import { oneShotContainer } from "../oneShot";
import { SecretFile, secretFileEnvs, secretUploads } from "../secretFiles";
import { healthcheck, serviceContainer } from "../service";
import { LocalEngineArgs, takeSecretFn } from "./common";
import { APP_ACCESS_KEY, BACKUP_ACCESS_KEY, BUCKET, ObjectStore } from "./types";
import { dataVolume } from "./volume";

export const MINIO_ROOT_USER = "imstack-root";
export const MINIO_APP_USER = APP_ACCESS_KEY;
/** The backup job's own MinIO identity: the app bucket only, no admin API. */
export const MINIO_BACKUP_USER = BACKUP_ACCESS_KEY;
export const MINIO_PORTS = { api: portOf("minio"), console: 9001 } as const;
/** The service's alias on the data network (the catalogue's row). */
const MINIO_HOST = aliasOf("minio");

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

export function minioObjectStore(a: LocalEngineArgs, images: Pick<ImageRefs, "minio" | "minioClient">): ObjectStore {
    const { name, stack, parent } = a;
    const volume = dataVolume(`${name}-minio`, stack, "minio", a.protectVolume, parent);
    const container = serviceContainer(`${name}-minio`, {
        stack,
        tier: "data",
        healthTimeoutSeconds: a.healthTimeoutSeconds,
        service: "minio",
        image: pulledImage(`${name}-minio-image`, images.minio, parent),
        networks: rowNetworks(a.placement, service("minio")),
        command: ["server", "/data", "--console-address", `:${MINIO_PORTS.console}`],
        // MinIO runs as root in its image and reads both files at start.
        secrets: {
            files: [{ variable: "MINIO_ROOT_USER", value: MINIO_ROOT_USER }, { variable: "MINIO_ROOT_PASSWORD", value: a.rootPassword }],
            uid: 0,
        },
        volumes: [{ volumeName: volume.name, containerPath: "/data" }],
        // The image ships `mc`, whose default alias "local" is this server.
        healthcheck: healthcheck(["CMD-SHELL", "mc ready local"], { startPeriod: "20s" }),
        resources: a.resources,
    }, { parent });

    const initSecrets: SecretFile[] = [
        { variable: "MINIO_ROOT_PASSWORD", value: a.rootPassword },
        { variable: "APP_SECRET_KEY", value: a.appSecretKey },
        { variable: "BACKUP_SECRET_KEY", value: a.backupSecretKey },
    ];
    const user = (access: string, secret: string, policy: string) => [
        `mc admin user add imstack "${access}" "${secret}"`,
        `mc admin policy create imstack ${policy} /etc/imstack/${policy}.json`,
        `mc admin policy attach imstack ${policy} --user "${access}" || mc admin user info imstack "${access}" | grep -q ${policy}`,
    ];
    const initScript = [
        "set -eu",
        takeSecretFn("minio-init"),
        `root_password=$(take "$MINIO_ROOT_PASSWORD_FILE")`,
        `app_secret=$(take "$APP_SECRET_KEY_FILE")`,
        `backup_secret=$(take "$BACKUP_SECRET_KEY_FILE")`,
        // mc's credentials stay in this shell's environment, never in the container's.
        `export MC_HOST_imstack="http://$MINIO_ROOT_USER:$root_password@${MINIO_HOST}:${MINIO_PORTS.api}"`,
        `mc mb --ignore-existing "imstack/${BUCKET}"`,
        ...user("$APP_ACCESS_KEY", "$app_secret", "imstack-app"),
        ...user("$BACKUP_ACCESS_KEY", "$backup_secret", "imstack-backup"),
        `echo "bucket ${BUCKET} and users $APP_ACCESS_KEY, $BACKUP_ACCESS_KEY ready"`,
    ].join("\n");
    const init = oneShotContainer(`${name}-minio-init`, {
        stack,
        service: "minio-init",
        tier: "data",
        image: pulledImage(`${name}-minio-client-image`, images.minioClient, parent),
        networkMode: a.dataNetwork,
        networksAdvanced: [{ name: a.dataNetwork, aliases: [] }],
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
    }, { parent, dependsOn: [container] });

    return {
        engine: "minio",
        endpoint: { host: MINIO_HOST, port: MINIO_PORTS.api, useSsl: false, region: "us-east-1", bucket: BUCKET },
        app: { accessKey: MINIO_APP_USER, secretKey: a.appSecretKey },
        backup: { accessKey: MINIO_BACKUP_USER, secretKey: a.backupSecretKey },
        container,
        volume,
        ready: [container, init],
        needsEgress: false,
    };
}
