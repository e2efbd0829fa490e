// The connections the data tier offers, as the app and the backup job consume them: URLs and
// S3 settings, never the data tier's containers or passwords one by one.
import * as pulumi from "@pulumi/pulumi";
import { aliasOf, portOf } from "../catalogue";
import { S3Credential, S3Endpoint } from "./objectStore/types";
import { APP_DATABASE, APP_ROLE } from "./postgresRoles";

/** The superuser, for administration and backups. */
export const ADMIN_ROLE = "postgres";

export interface PostgresEndpoint {
    readonly host: string;
    readonly port: number;
    /** The app's database (the backup job dumps it). */
    readonly database: string;
    /** The app role's URL (secret). */
    readonly appUrl: pulumi.Output<string>;
    /** The superuser's URL (secret). */
    readonly adminUrl: pulumi.Output<string>;
    readonly adminUser: string;
    /** Secret: reaches containers only as a file. */
    readonly adminPassword: pulumi.Input<string>;
    /** Once these succeeded the roles and passwords are in place on the server. */
    readonly ready: pulumi.Resource[];
}

export interface RedisEndpoint {
    readonly host: string;
    readonly port: number;
    /** The URL the backends use (secret). */
    readonly url: pulumi.Output<string>;
    readonly password: pulumi.Input<string>;
}

export interface ObjectStoreEndpoint {
    readonly engine: string;
    readonly s3: S3Endpoint;
    /** The backend's identity. */
    readonly app: S3Credential;
    /** The backup job's own identity (never MinIO's root). */
    readonly backup: S3Credential;
    /** The S3 API is outside the internal data network: a client there needs a route out. */
    readonly needsEgress: boolean;
    /** Once these succeeded the bucket and identities exist. */
    readonly ready: pulumi.Resource[];
}

export interface DataEndpoints {
    readonly postgres: PostgresEndpoint;
    readonly redis: RedisEndpoint;
    readonly objectStore: ObjectStoreEndpoint;
    /** What must have succeeded before a client starts: servers healthy, roles applied, bucket created. */
    readonly ready: pulumi.Resource[];
}

export function databaseUrl(password: pulumi.Input<string>): pulumi.Output<string> {
    return pulumi.secret(pulumi.interpolate`postgres://${APP_ROLE}:${password}@${aliasOf("postgres")}:${portOf("postgres")}/${APP_DATABASE}`);
}

export function adminDatabaseUrl(password: pulumi.Input<string>): pulumi.Output<string> {
    return pulumi.secret(pulumi.interpolate`postgres://${ADMIN_ROLE}:${password}@${aliasOf("postgres")}:${portOf("postgres")}/postgres`);
}

export function redisUrl(password: pulumi.Input<string>): pulumi.Output<string> {
    return pulumi.secret(pulumi.interpolate`redis://:${password}@${aliasOf("redis")}:${portOf("redis")}/0`);
}
