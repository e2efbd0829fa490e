import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";

export const APP_ROLE = "imstack_app";
export const APP_DATABASE = "imstack";

export interface PostgresRolesArgs {
    /** Name of the running postgres container to `docker exec` into. */
    readonly containerName: pulumi.Input<string>;
    /** Id of that container; a new container re-runs the statements. */
    readonly containerId: pulumi.Input<string>;
    /** Superuser password to set. */
    readonly adminPassword: pulumi.Input<string>;
    /** Password of the least-privilege app role. */
    readonly appPassword: pulumi.Input<string>;
}

/** Quotes a SQL string literal. Passwords are alphanumeric, but never trust that here. */
function literal(s: string): string {
    return `'${s.replace(/'/g, "''")}'`;
}

/** The idempotent SQL that brings roles, passwords and the app database to the wanted state. */
export function rolesSql(adminPassword: string, appPassword: string): string {
    return [
        "\\set ON_ERROR_STOP on",
        "DO $$ BEGIN",
        `  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${APP_ROLE}') THEN`,
        `    CREATE ROLE ${APP_ROLE} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION;`,
        "  END IF;",
        "END $$;",
        `ALTER ROLE ${APP_ROLE} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD ${literal(appPassword)};`,
        `ALTER ROLE postgres WITH PASSWORD ${literal(adminPassword)};`,
        `SELECT 'CREATE DATABASE ${APP_DATABASE} OWNER ${APP_ROLE}' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '${APP_DATABASE}')\\gexec`,
        `ALTER DATABASE ${APP_DATABASE} OWNER TO ${APP_ROLE};`,
        `REVOKE ALL ON DATABASE ${APP_DATABASE} FROM PUBLIC;`,
        `GRANT CONNECT, TEMPORARY ON DATABASE ${APP_DATABASE} TO ${APP_ROLE};`,
        `\\connect ${APP_DATABASE}`,
        "REVOKE CREATE ON SCHEMA public FROM PUBLIC;",
        `GRANT ALL ON SCHEMA public TO ${APP_ROLE};`,
        "",
    ].join("\n");
}

/**
 * POSTGRES_PASSWORD only applies at the first initdb (docker-library/postgres#487), so roles and
 * rotated passwords are applied to the running server with ALTER ROLE. The SQL, passwords
 * included, goes over stdin: never into the command line or the container's environment.
 */
export class PostgresRoles extends pulumi.ComponentResource {
    /** Completes once the roles and passwords are in place on the server. */
    public readonly applied: pulumi.Output<string>;

    constructor(name: string, args: PostgresRolesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("imstack:data:PostgresRoles", name, {}, opts);
        const sql = pulumi.secret(pulumi.all([args.adminPassword, args.appPassword]).apply(([a, p]) => rolesSql(a, p)));
        const cmd = new command.local.Command(`${name}-apply`, {
            create: pulumi.interpolate`docker exec -i ${args.containerName} psql -X -q -U postgres -d postgres`,
            interpreter: ["/bin/sh", "-c"],
            stdin: sql,
            // A new password or a new server re-runs the statements.
            triggers: [args.containerId, args.adminPassword, args.appPassword],
            // psql echoes a failing statement's text, and these statements carry passwords.
            logging: "none",
        }, { parent: this, additionalSecretOutputs: ["stdout", "stderr", "stdin"] });
        this.applied = cmd.stdout.apply(() => "applied");
        this.registerOutputs({ applied: this.applied });
    }
}
