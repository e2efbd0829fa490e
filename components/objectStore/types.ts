// What the rest of the stack needs from whichever object store the config chose: where the S3
// API answers, the two identities (the backend's and the backup job's), what to wait for, and
// what the dev forwarder may publish. The app contract (S3_* variables) is built from this alone.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { ObjectStoreEngine } from "../config";

/** The app bucket on the local engines. */
export const BUCKET = "imstack";
/** Access key (user name) of the backend's identity on the local engines. */
export const APP_ACCESS_KEY = "imstack-app";
/** Access key of the backup job's own identity on the local engines. */
export const BACKUP_ACCESS_KEY = "imstack-backup";

export interface S3Credential {
    readonly accessKey: pulumi.Input<string>;
    /** Secret: reaches containers only as a file. */
    readonly secretKey: pulumi.Input<string>;
}

/** How containers on the stack's networks reach the S3 API (the S3_* variables). */
export interface S3Endpoint {
    /** Bare host name: a network alias, or an external service's host. */
    readonly host: string;
    readonly port: number;
    readonly useSsl: boolean;
    readonly region: string;
    readonly bucket: string;
}

/** A port the dev forwarder publishes on 127.0.0.1 for the engine. */
export interface ObjectStoreForward {
    /** The seed's port: 9000 for the S3 API, 9001 for a web UI. */
    readonly listen: 9000 | 9001;
    readonly target: string;
    readonly targetPort: number;
}

export interface ObjectStore {
    readonly engine: ObjectStoreEngine;
    readonly endpoint: S3Endpoint;
    readonly app: S3Credential;
    readonly backup: S3Credential;
    /** The long-running container, absent for external. */
    readonly container?: docker.Container;
    /** Its retained data volume, absent for external. */
    readonly volume?: docker.Volume;
    /** What must have succeeded before the backends and the backup job start (bucket, identities). */
    readonly ready: pulumi.Resource[];
    /** Whether the S3 API is outside the stack's internal network (the backup job then needs egress). */
    readonly needsEgress: boolean;
}

/** S3_* variables of the app contract, except the secret key, which goes as S3_SECRET_KEY_FILE. */
export function s3Envs(endpoint: S3Endpoint, accessKey: string): string[] {
    return [
        `S3_ENDPOINT=${endpoint.host}`,
        `S3_PORT=${endpoint.port}`,
        `S3_USE_SSL=${endpoint.useSsl}`,
        `S3_REGION=${endpoint.region}`,
        `S3_BUCKET=${endpoint.bucket}`,
        `S3_ACCESS_KEY=${accessKey}`,
    ];
}
