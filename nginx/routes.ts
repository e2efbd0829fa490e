// The locations nginx serves, one body per route profile (catalogue/types.ts), for the upstreams
// the catalogue routes to. A new service with routes needs no edit here unless it needs a new
// kind of location.
import { RouteProfile, serviceRows } from "../catalogue";
import type { Route } from "../catalogue";

/** Where one routed service answers, and the routes its catalogue row gives it. */
export interface RoutedUpstream {
    readonly service: string;
    /** Docker DNS name (its alias), resolved at request time. */
    readonly host: string;
    readonly port: number;
    readonly routes: readonly Route[];
}

/** The upstreams of every catalogue row with routes whose service runs in this stack. */
export function catalogueUpstreams(runs: (service: string) => boolean): RoutedUpstream[] {
    return serviceRows().filter((r) => r.routes.length > 0 && runs(r.name)).map((r) => ({
        service: r.name, host: r.alias!.name, port: r.port!, routes: r.routes,
    }));
}

export interface LocationContext {
    readonly burst: number;
    readonly authRequestsPerMinute: number;
    /** Writes one location with the security headers included. */
    location(match: string, body: string[]): string;
    /** The maintenance flag test. */
    readonly maintenance: string[];
    /** The proxy snippet include. */
    readonly proxy: string;
    /** The basic-auth user file of a `protected-tool` service (EdgeTier writes it). */
    htpasswd(service: string): string;
}

/** `$<service>_upstream`: the variable nginx resolves the upstream through. */
export function upstreamVariable(service: string): string {
    return `$${service.replace(/[^A-Za-z0-9]/g, "_")}_upstream`;
}

const UPGRADE = ["proxy_set_header Upgrade $http_upgrade;", "proxy_set_header Connection $connection_upgrade;"];

function body(profile: RouteProfile, upstream: string, c: LocationContext, service: string, location: string): string[] {
    const general = `limit_req zone=imstack_general burst=${c.burst} nodelay;`;
    switch (profile) {
        case "health": return [general, c.proxy, `proxy_pass http://${upstream}/health;`];
        case "auth": return [...c.maintenance, `limit_req zone=imstack_auth burst=${Math.max(1, Math.ceil(c.authRequestsPerMinute / 6))} nodelay;`, c.proxy, `proxy_pass http://${upstream};`];
        case "api": return [...c.maintenance, general, c.proxy,
            // Uploads stream straight to the backend, which enforces the same limit.
            "proxy_request_buffering off;",
            "proxy_read_timeout 120s;",
            `proxy_pass http://${upstream};`];
        case "websocket": return [...c.maintenance, general, c.proxy,
            "proxy_set_header Upgrade $http_upgrade;",
            "proxy_set_header Connection $connection_upgrade;",
            // Idle websockets outlive nginx's 60 s default; the app pings well inside an hour.
            "proxy_read_timeout 3600s;",
            "proxy_send_timeout 3600s;",
            `proxy_pass http://${upstream};`];
        // Hashed build files: the app marks them immutable and answers conditional requests
        // itself; they skip the rate limit and maintenance.
        case "assets": return [c.proxy, `proxy_pass http://${upstream};`];
        case "private-page": return [...c.maintenance, general, c.proxy,
            // Pages carry signed-in data: no cache may keep them, whatever the app would send.
            "proxy_hide_header Cache-Control;",
            "add_header Cache-Control \"no-store\" always;",
            `proxy_pass http://${upstream};`];
        case "page": return [...c.maintenance, general, c.proxy, `proxy_pass http://${upstream};`];
        // Operator UIs stay up during maintenance: that is when they are needed.
        case "tool": return [general, c.proxy, ...UPGRADE, "proxy_read_timeout 3600s;", `proxy_pass http://${upstream};`];
        case "protected-tool": {
            const prefix = location.replace(/^[=~^\s]+/, "");
            if (!/^\/[a-z0-9-]+\/$/.test(prefix)) throw new Error(`${service}: a protected-tool route must be a plain prefix such as /studio/, got ${location}`);
            return [general,
                `auth_basic "imstack ${service}";`,
                `auth_basic_user_file ${c.htpasswd(service)};`,
                // The UI must not see the operator's credentials; it serves from its own root.
                c.proxy,
                "proxy_set_header Authorization \"\";",
                // After the upstream's `set` (spliced in before the proxy include): `break` ends the rewrite phase.
                `rewrite ^${prefix}(.*)$ /$1 break;`,
                ...UPGRADE, "proxy_read_timeout 3600s;", `proxy_pass http://${upstream};`];
        }
    }
}

/** Every route's location; a 404 at `/` when no service takes it. */
export function routeLocations(upstreams: readonly RoutedUpstream[], c: LocationContext): string {
    const blocks: string[] = [];
    for (const u of upstreams) {
        const variable = upstreamVariable(u.service);
        for (const r of u.routes) {
            const lines = body(r.profile, variable, c, u.service, r.location);
            // The upstream is set just before the proxy settings, after the checks that may answer first.
            lines.splice(lines.indexOf(c.proxy), 0, `set ${variable} ${u.host}:${u.port};`);
            blocks.push(c.location(r.location, lines));
        }
    }
    if (!upstreams.some((u) => u.routes.some((r) => r.location === "/"))) blocks.push(c.location("/", [...c.maintenance, "return 404;"]));
    return blocks.join("\n");
}

/** The services whose routes need nginx's basic authentication (each gets a user file). */
export function protectedServices(upstreams: readonly RoutedUpstream[]): string[] {
    return upstreams.filter((u) => u.routes.some((r) => r.profile === "protected-tool")).map((u) => u.service);
}

/** The path prefixes of operator UIs, which get their own Content-Security-Policy. */
export function toolPrefixes(upstreams: readonly RoutedUpstream[]): string[] {
    return upstreams.flatMap((u) => u.routes.filter((r) => r.profile === "tool" || r.profile === "protected-tool").map((r) => r.location.replace(/^[=~^\s]+/, "")));
}
