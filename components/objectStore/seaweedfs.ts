// The SeaweedFS engine, the default: one all-in-one `weed server` (master, volume server, filer
// and S3 gateway) whose internals listen on the container's loopback only, and an S3 gateway
// with two static identities. The run facts (arguments, ports, healthcheck, bootstrap) live
// with the image the live tests build from the Go module, so both run the same server.
import * as pulumi from "@pulumi/pulumi";
import { SEAWEEDFS_UID, seaweedfsS3Config } from "./seaweedfsIdentities";
import {
    SEAWEEDFS_BOOTSTRAP_ENV, SEAWEEDFS_HEALTHCHECK, SEAWEEDFS_PORTS, SEAWEEDFS_REGION, SEAWEEDFS_S3_CONFIG_PATH,
    SEAWEEDFS_STOP_GRACE_SECONDS, seaweedfsBootstrapScript, seaweedfsServerArgs,
} from "./seaweedfsRuntime";
import { aliasOf, service } from "../../catalogue";
import { rowNetworks } from "../placement";
import { pulledImage } from "../images";
import { oneShotContainer } from "../oneShot";
import { SECRET_FILE_MODE, SecretFile, secretFileEnvs, secretUploads } from "../secretFiles";
import { healthcheck, serviceContainer } from "../service";
import { LocalEngineArgs } from "./common";
import { APP_ACCESS_KEY, BACKUP_ACCESS_KEY, BUCKET, ObjectStore } from "./types";
import { dataVolume } from "./volume";

/** The service's name and its alias on the data network (the catalogue's row). */
export const SEAWEEDFS_SERVICE = aliasOf("seaweedfs");
export { SEAWEEDFS_PORTS };

/**
 * The gateway's identities file with the keys in it (the gateway reads keys from this file or
 * from its environment, and the environment is what `docker inspect` shows). The app identity
 * may read, write, list and delete objects of the app bucket and nothing else; the backup job's
 * is the admin, which a restore into an emptied store needs to create the bucket again.
 */
export function seaweedfsIdentitiesFile(app: string, backup: string): string {
    return JSON.stringify(seaweedfsS3Config(BUCKET, {
        app: { accessKey: APP_ACCESS_KEY, secretKey: app },
        admin: { accessKey: BACKUP_ACCESS_KEY, secretKey: backup },
    }), null, 2);
}

export function seaweedfsObjectStore(a: LocalEngineArgs, image: string): ObjectStore {
    const { name, stack, parent } = a;
    const volume = dataVolume(`${name}-seaweedfs`, stack, "seaweedfs", a.protectVolume, parent);
    const pulled = pulledImage(`${name}-seaweedfs-image`, image, parent);
    const identities = pulumi.secret(pulumi.all([a.appSecretKey, a.backupSecretKey]).apply(([app, backup]) => seaweedfsIdentitiesFile(app, backup)));
    const container = serviceContainer(`${name}-seaweedfs`, {
        stack,
        tier: "data",
        healthTimeoutSeconds: a.healthTimeoutSeconds,
        service: SEAWEEDFS_SERVICE,
        image: pulled,
        networks: rowNetworks(a.placement, service(SEAWEEDFS_SERVICE)),
        command: seaweedfsServerArgs(),
        // A new key means a new file, which replaces the container: the gateway reads it at start.
        uploads: [{ file: SEAWEEDFS_S3_CONFIG_PATH, content: identities, permissions: SECRET_FILE_MODE, owner: String(SEAWEEDFS_UID), group: String(SEAWEEDFS_UID) }],
        volumes: [{ volumeName: volume.name, containerPath: "/data" }],
        healthcheck: healthcheck([...SEAWEEDFS_HEALTHCHECK], { startPeriod: "30s" }),
        resources: a.resources,
        destroyGraceSeconds: SEAWEEDFS_STOP_GRACE_SECONDS,
    }, { parent });

    // The bucket, created through the S3 API as the admin identity; the identities are static
    // in the gateway's file, so this is the whole bootstrap, and it is idempotent.
    const e = SEAWEEDFS_BOOTSTRAP_ENV;
    const adminSecret: SecretFile[] = [{ variable: e.secretKey, value: a.backupSecretKey }];
    const init = oneShotContainer(`${name}-seaweedfs-init`, {
        stack,
        service: "seaweedfs-init",
        tier: "data",
        image: pulled,
        networkMode: a.dataNetwork,
        networksAdvanced: [{ name: a.dataNetwork, aliases: [] }],
        entrypoints: ["/bin/sh", "-c"],
        command: [seaweedfsBootstrapScript()],
        envs: [
            `${e.endpoint}=http://${SEAWEEDFS_SERVICE}:${SEAWEEDFS_PORTS.s3}`,
            `${e.bucket}=${BUCKET}`,
            `${e.region}=${SEAWEEDFS_REGION}`,
            `${e.accessKey}=${BACKUP_ACCESS_KEY}`,
            ...secretFileEnvs(adminSecret),
        ],
        // The one-shot runs as root (the entrypoint is replaced), which empties the file after reading it.
        uploads: secretUploads(adminSecret, 0),
    }, { parent, dependsOn: [container] });

    return {
        engine: "seaweedfs",
        endpoint: { host: SEAWEEDFS_SERVICE, port: SEAWEEDFS_PORTS.s3, useSsl: false, region: SEAWEEDFS_REGION, bucket: BUCKET },
        app: { accessKey: APP_ACCESS_KEY, secretKey: a.appSecretKey },
        backup: { accessKey: BACKUP_ACCESS_KEY, secretKey: a.backupSecretKey },
        container,
        volume,
        ready: [container, init],
        needsEgress: false,
    };
}
