// The service catalogue's API: the rows of catalogue/services.ts plus any registered at run
// time (a plug-in, or a test's example service), and the questions the program, the nginx
// renderer and imctl ask of them. Pure data and functions: nothing here imports Pulumi, the
// components or imctl.
import { SERVICE_ROWS } from "./services";
import { ROTATION_TARGETS, ServiceRow, TIERS } from "./types";

export * from "./types";
export * from "./objectStores";
export { ConfiguredService, SERVICE_ROWS } from "./services";

const registered: ServiceRow[] = [];

/** Every row in start order inside its tier: the built-in ones, then the registered ones. */
export function serviceRows(): readonly ServiceRow[] {
    return [...SERVICE_ROWS, ...registered];
}

/**
 * Adds a row defined outside catalogue/services.ts; every reader sees it from then on. Returns
 * the function that removes it again. Refuses a row that would break the catalogue's rules.
 */
export function registerService(row: ServiceRow): () => void {
    const problems = catalogueProblems([...serviceRows(), row]);
    if (problems.length) throw new Error(`service ${row.name} cannot join the catalogue: ${problems.join("; ")}`);
    registered.push(row);
    return () => {
        const i = registered.indexOf(row);
        if (i >= 0) registered.splice(i, 1);
    };
}

export function findService(name: string): ServiceRow | undefined {
    return serviceRows().find((r) => r.name === name);
}

/** The row of a service the caller knows exists; a missing one is a programming error. */
export function service(name: string): ServiceRow {
    const row = findService(name);
    if (!row) throw new Error(`no service catalogue row for ${JSON.stringify(name)} (catalogue/services.ts)`);
    return row;
}

export function portOf(name: string): number {
    const port = service(name).port;
    if (port === undefined) throw new Error(`service ${name} has no port in the catalogue`);
    return port;
}

export function aliasOf(name: string): string {
    const alias = service(name).alias;
    if (!alias) throw new Error(`service ${name} has no network alias in the catalogue`);
    return alias.name;
}

export function isOneShot(name: string): boolean {
    return findService(name)?.lifecycle === "one-shot";
}

export function isCritical(name: string): boolean {
    return findService(name)?.critical === true;
}

/** Where Prometheus scrapes a service: its alias, metrics port and path (none without `metrics`). */
export function metricsEndpoint(name: string): { host: string; port: number; metricsPath?: string } {
    const row = service(name);
    if (!row.metrics) throw new Error(`service ${name} has no metrics endpoint in the catalogue`);
    return { host: aliasOf(name), port: row.metrics.port, ...(row.metrics.path ? { metricsPath: row.metrics.path } : {}) };
}

/** Position in TIERS; an unknown tier sorts after every known one. */
export function tierRank(tier: string): number {
    const i = (TIERS as readonly string[]).indexOf(tier);
    return i < 0 ? TIERS.length : i;
}

/** Position among the rows (the order inside a tier); an unknown service sorts last. */
export function serviceRank(name: string): number {
    const rows = serviceRows();
    const i = rows.findIndex((r) => r.name === name);
    return i < 0 ? rows.length : i;
}

/** Names of the long-running services, in start order. */
export function longRunningServices(): string[] {
    return [...serviceRows()].filter((r) => r.lifecycle === "service")
        .sort((a, b) => tierRank(a.tier) - tierRank(b.tier) || serviceRank(a.name) - serviceRank(b.name))
        .map((r) => r.name);
}

/** The services `imstack:resources.<name>` configures, with their default limits, in row order. */
export function configuredServices(): Array<{ name: string; resources: NonNullable<ServiceRow["resources"]> }> {
    return serviceRows().flatMap((r) => (r.resources ? [{ name: r.name, resources: r.resources }] : []));
}

/** The rules every set of rows keeps; [] when it does. */
export function catalogueProblems(rows: readonly ServiceRow[]): string[] {
    const problems: string[] = [];
    const seen = new Map<string, ServiceRow>();
    const locations = new Map<string, string>();
    const dependedOn = new Set(rows.flatMap((r) => r.startsAfter));
    for (const r of rows) {
        const p = (text: string) => problems.push(`${r.name}: ${text}`);
        if (!/^[a-z][a-z0-9-]*$/.test(r.name)) p("the name must be lower case letters, digits and -");
        if (seen.has(r.name)) p("listed twice");
        if (!(TIERS as readonly string[]).includes(r.tier)) p(`unknown tier ${r.tier}`);
        for (const after of r.startsAfter) {
            const earlier = seen.get(after);
            if (!earlier) p(`starts after ${after}, which is not an earlier row`);
            else if (tierRank(earlier.tier) > tierRank(r.tier)) p(`starts after ${after} of the later tier ${earlier.tier}`);
        }
        if (r.alias && !r.networks.includes(r.alias.network)) p(`its alias is on ${r.alias.network}, a network it does not join`);
        if (r.port !== undefined && !(Number.isInteger(r.port) && r.port > 0 && r.port < 65536)) p(`port ${r.port} is not a TCP port`);
        if (r.routes.length > 0 && (r.port === undefined || r.alias?.network !== "edge")) p("nginx routes need a port and an alias on the edge network");
        if (r.lifecycle === "one-shot" && (r.alias || r.routes.length || r.critical || r.replicated)) p("a one-shot has no alias, routes, replicas or criticality");
        if (r.metrics && !r.alias) p("a scraped service needs an alias to be scraped by");
        if (r.deferHealthWait && dependedOn.has(r.name)) p("deferHealthWait, but another service starts after it");
        for (const t of r.rotatedBy) if (!(ROTATION_TARGETS as readonly string[]).includes(t)) p(`unknown rotation target ${t}`);
        for (const v of r.secrets) if (!/^[A-Z][A-Z0-9_]*$/.test(v)) p(`secret variable ${v} must be upper case letters, digits and _`);
        for (const route of r.routes) {
            const other = locations.get(route.location);
            if (other) p(`route ${route.location} is ${other}'s already`);
            locations.set(route.location, r.name);
        }
        seen.set(r.name, r);
    }
    return problems;
}
