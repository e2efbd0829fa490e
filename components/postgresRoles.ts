import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";

export const APP_ROLE = "imstack_app";
export const APP_DATABASE = "imstack";
/** postgres_exporter's role: `pg_monitor` (statistics and settings), no table data. */
export const MONITOR_ROLE = "imstack_monitor";
/**
 * The admin UI's role (Studio through postgres-meta): reads and edits the rows of the app's
 * tables and reads the catalogue and statistics; owns nothing, so it cannot change the schema,
 * and has no role, database or replication rights (docs/operations.md "Database admin UI").
 */
export const STUDIO_ROLE = "imstack_studio";

/** Passwords of the optional roles; an absent one leaves its role unable to log in. */
export interface OptionalRolePasswords {
    readonly monitor?: string;
    readonly studio?: string;
}

export interface PostgresRolesArgs {
    /** Name of the running postgres container to `docker exec` into. */
    readonly containerName: pulumi.Input<string>;
    /** Id of that container; a new container re-runs the statements. */
    readonly containerId: pulumi.Input<string>;
    /** Superuser password to set. */
    readonly adminPassword: pulumi.Input<string>;
    /** Password of the least-privilege app role. */
    readonly appPassword: pulumi.Input<string>;
    /** postgres_exporter's role password, when monitoring is on. */
    readonly monitorPassword?: pulumi.Input<string>;
    /** The admin UI's role password, when it is on. */
    readonly studioPassword?: pulumi.Input<string>;
}

/** Quotes a SQL string literal. Passwords are alphanumeric, but never trust that here. */
function literal(s: string): string {
    return `'${s.replace(/'/g, "''")}'`;
}

/** The idempotent SQL that brings roles, passwords and the app database to the wanted state. */
function ensureRole(role: string): string[] {
    return [
        "DO $$ BEGIN",
        `  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${role}') THEN`,
        `    CREATE ROLE ${role} NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION;`,
        "  END IF;",
        "END $$;",
    ];
}

/** A switched-off role keeps existing (nothing owns anything through it) but cannot log in. */
function loginOrNot(role: string, password: string | undefined): string {
    return password === undefined
        ? `ALTER ROLE ${role} WITH NOLOGIN PASSWORD NULL;`
        : `ALTER ROLE ${role} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION CONNECTION LIMIT 5 PASSWORD ${literal(password)};`;
}

function optionalRolesSql(p: OptionalRolePasswords): string[] {
    return [
        ...ensureRole(MONITOR_ROLE),
        loginOrNot(MONITOR_ROLE, p.monitor),
        `GRANT pg_monitor TO ${MONITOR_ROLE};`,
        `GRANT CONNECT ON DATABASE ${APP_DATABASE} TO ${MONITOR_ROLE};`,
        ...ensureRole(STUDIO_ROLE),
        loginOrNot(STUDIO_ROLE, p.studio),
        `GRANT pg_read_all_stats TO ${STUDIO_ROLE};`,
        `GRANT CONNECT ON DATABASE ${APP_DATABASE} TO ${STUDIO_ROLE};`,
    ];
}

/** Run in the app database: the admin UI's row rights, on today's tables and on those migrations add later. */
function studioTableGrants(): string[] {
    return [
        `GRANT USAGE ON SCHEMA public TO ${STUDIO_ROLE};`,
        `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${STUDIO_ROLE};`,
        `GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${STUDIO_ROLE};`,
        `ALTER DEFAULT PRIVILEGES FOR ROLE ${APP_ROLE} IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${STUDIO_ROLE};`,
        `ALTER DEFAULT PRIVILEGES FOR ROLE ${APP_ROLE} IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO ${STUDIO_ROLE};`,
    ];
}

export function rolesSql(adminPassword: string, appPassword: string, optional: OptionalRolePasswords = {}): string {
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
        ...optionalRolesSql(optional),
        `\\connect ${APP_DATABASE}`,
        "REVOKE CREATE ON SCHEMA public FROM PUBLIC;",
        `GRANT ALL ON SCHEMA public TO ${APP_ROLE};`,
        ...studioTableGrants(),
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
        const sql = pulumi.secret(pulumi.all([args.adminPassword, args.appPassword, args.monitorPassword, args.studioPassword])
            .apply(([a, p, monitor, studio]) => rolesSql(a, p, { monitor, studio })));
        const cmd = new command.local.Command(`${name}-apply`, {
            create: pulumi.interpolate`docker exec -i ${args.containerName} psql -X -q -U postgres -d postgres`,
            interpreter: ["/bin/sh", "-c"],
            stdin: sql,
            // A new password or a new server re-runs the statements.
            triggers: [args.containerId, args.adminPassword, args.appPassword, args.monitorPassword ?? "", args.studioPassword ?? ""],
            // psql echoes a failing statement's text, and these statements carry passwords.
            logging: "none",
        }, { parent: this, additionalSecretOutputs: ["stdout", "stderr", "stdin"] });
        this.applied = cmd.stdout.apply(() => "applied");
        this.registerOutputs({ applied: this.applied });
    }
}
