// The database admin UI (`adminUi.enabled`): Supabase Studio and postgres-meta, the REST API it
// drives PostgreSQL through. Studio has no login of its own, so it is never reachable without
// nginx's basic authentication, except on 127.0.0.1 in dev; postgres-meta is on the internal
// data network only and logs in as the dedicated imstack_studio role (components/postgresRoles.ts).
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { createHash, createHmac } from "crypto";
import { aliasOf, portOf, service } from "../catalogue";
import { httpProbe } from "./appTier";
import { ImageRefs, PortsConfig, ResourceLimits } from "./config";
import { pulledImage } from "./images";
import { Placement, rowNetworks } from "./placement";
import { APP_DATABASE, STUDIO_ROLE } from "./postgresRoles";
import { healthcheck, publish, serviceContainer } from "./service";

/** The user nginx's basic authentication knows (the password is generated: `imctl outputs --show-secrets`). */
export const STUDIO_USER = "admin";
/** postgres-meta's image runs its server as root; its secret file is root's. */
export const POSTGRES_META_UID = 0;

/**
 * One line of an nginx basic-auth user file: `{SSHA}` (salted SHA-1), which nginx reads on every
 * build. The salt is derived from the password, so the line, and with it nginx's container,
 * changes only when the password does.
 */
export function htpasswdLine(user: string, password: string): string {
    if (!/^[A-Za-z0-9._-]+$/.test(user)) throw new Error(`basic-auth user ${JSON.stringify(user)} must be letters, digits, ., _ and -`);
    const salt = createHmac("sha256", password).update(`imstack-htpasswd:${user}`).digest().subarray(0, 8);
    const digest = createHash("sha1").update(password).update(salt).digest();
    return `${user}:{SSHA}${Buffer.concat([digest, salt]).toString("base64")}\n`;
}

export interface AdminUiArgs {
    /** Stack, networks and health timeout. */
    readonly placement: Placement;
    readonly images: Pick<ImageRefs, "studio" | "postgresMeta">;
    /** Studio's host port on 127.0.0.1 (dev). */
    readonly ports: Pick<PortsConfig, "studio">;
    readonly resources: Readonly<Record<"studio" | "postgres-meta", ResourceLimits>>;
    /** The imstack_studio role's password (StackSecrets.adminUi). */
    readonly databasePassword: pulumi.Input<string>;
    /** The roles must be applied before postgres-meta logs in. */
    readonly after: pulumi.Resource[];
}

export class AdminUi extends pulumi.ComponentResource {
    public readonly studio: docker.Container;
    public readonly postgresMeta: docker.Container;

    constructor(name: string, args: AdminUiArgs, opts?: pulumi.ComponentResourceOptions) {
        super("imstack:admin:AdminUi", name, {}, opts);
        const p = args.placement;
        const common = { stack: p.stack, tier: "admin" as const, healthTimeoutSeconds: p.healthTimeoutSeconds };
        const metaPort = portOf("postgres-meta");
        // postgres-meta reads PG_META_DB_PASSWORD_FILE as it is (no trailing newline: the
        // generated password has none) and falls back to "postgres" without one, so the file is
        // always given.
        this.postgresMeta = serviceContainer(`${name}-postgres-meta`, {
            ...common,
            service: "postgres-meta",
            image: pulledImage(`${name}-postgres-meta-image`, args.images.postgresMeta, this),
            networks: rowNetworks(p, service("postgres-meta")),
            envs: [
                `PG_META_PORT=${metaPort}`,
                `PG_META_DB_HOST=${aliasOf("postgres")}`,
                `PG_META_DB_PORT=${portOf("postgres")}`,
                `PG_META_DB_NAME=${APP_DATABASE}`,
                `PG_META_DB_USER=${STUDIO_ROLE}`,
                "PG_META_DB_SSL_MODE=disable",
            ],
            secrets: { files: [{ variable: "PG_META_DB_PASSWORD", value: args.databasePassword }], uid: POSTGRES_META_UID },
            healthcheck: healthcheck(httpProbe(metaPort, "/health"), { startPeriod: "30s" }),
            resources: args.resources["postgres-meta"],
        }, { parent: this, dependsOn: args.after });

        const studioPort = portOf("studio");
        this.studio = serviceContainer(`${name}-studio`, {
            ...common,
            service: "studio",
            image: pulledImage(`${name}-studio-image`, args.images.studio, this),
            networks: rowNetworks(p, service("studio")),
            envs: [
                `PORT=${studioPort}`,
                "HOSTNAME=0.0.0.0",
                `STUDIO_PG_META_URL=http://${aliasOf("postgres-meta")}:${metaPort}`,
                "DEFAULT_ORGANIZATION_NAME=imstack",
                `DEFAULT_PROJECT_NAME=${p.stack}`,
                "NEXT_TELEMETRY_DISABLED=1",
            ],
            // Dev only, on 127.0.0.1; prod reaches it through nginx's /studio/ with basic auth.
            ports: publish(p.publish, studioPort, args.ports.studio),
            healthcheck: healthcheck(httpProbe(studioPort, "/api/platform/profile"), { startPeriod: "60s" }),
            resources: args.resources.studio,
        }, { parent: this, dependsOn: [this.postgresMeta] });
        this.registerOutputs({ studio: this.studio.name, postgresMeta: this.postgresMeta.name });
    }
}
