// The shape of one row of the service catalogue. No Pulumi, no Docker: the program, imctl and
// the nginx renderer all read these rows, so they must stay plain data.

/**
 * Tiers in start order (stop is the reverse). A new tier is one more entry here. "monitoring"
 * starts after the edge so it finds every target up; "admin" (the database admin UI) last.
 */
export const TIERS = ["data", "app", "edge", "monitoring", "admin"] as const;
export type Tier = (typeof TIERS)[number];

/**
 * The stack's shared networks (components/networks.ts): data is internal, edge is nginx's,
 * monitoring (internal, only with `monitoring.enabled`) is where Prometheus scrapes its targets.
 */
export type NetworkName = "data" | "edge" | "monitoring";

/**
 * Credentials with their own rotation value (`imstack:rotation.<name>`). `minio` keeps its name
 * for existing stacks and rotates the object store's generated keys on either local engine.
 */
export const ROTATION_TARGETS = ["postgres", "redis", "minio", "jwt", "backup", "grafana", "studio"] as const;
export type RotationTarget = (typeof ROTATION_TARGETS)[number];

/**
 * How nginx treats a route (nginx/render.ts has one body per profile):
 * - `health`: rate-limited, proxied to the service's /health, served during maintenance;
 * - `auth`: the tighter sign-in rate limit;
 * - `api`: streamed request bodies (uploads) and a longer read timeout;
 * - `websocket`: the Upgrade headers and hour-long timeouts;
 * - `assets`: content-hashed files, no rate limit, served during maintenance;
 * - `private-page`: pages with signed-in data, never cached;
 * - `page`: everything else: maintenance page, rate limit, plain proxy.
 * - `tool`: an operator UI under its own path prefix (Grafana): rate limit, websockets, never
 *   cached, served during maintenance (that is when it is needed), its own relaxed CSP;
 * - `protected-tool`: the same behind nginx's basic authentication, for a UI with no login of
 *   its own (Supabase Studio); the path prefix is stripped before proxying.
 */
export type RouteProfile = "health" | "auth" | "api" | "websocket" | "assets" | "private-page" | "page" | "tool" | "protected-tool";

export interface Route {
    /** The nginx location match, e.g. `/api/` or `= /ws`. */
    readonly location: string;
    readonly profile: RouteProfile;
}

export interface ResourceDefaults {
    readonly memoryMb: number;
    readonly cpus: number;
}

export interface ServiceRow {
    /** The `com.imstack.service` label and the container name's last part. */
    readonly name: string;
    readonly tier: Tier;
    /** The shared networks it joins, the first being its primary one; [] for none. */
    readonly networks: readonly NetworkName[];
    /** The name other containers reach it by, on `alias.network`; replicas also get `<name>-<n>`. */
    readonly alias?: { readonly name: string; readonly network: NetworkName };
    /** The port it serves on inside its container (what aliases and nginx upstreams point at). */
    readonly port?: number;
    /** A one-shot exits when done: `imctl start` skips it, health wants exit 0. */
    readonly lifecycle: "service" | "one-shot";
    /** Its loss takes the stack down (health "down"), not just "degraded". */
    readonly critical: boolean;
    /**
     * Services it starts after, when the stack has them (an object-store row exists per engine).
     * Rows are listed in start order, so each of these is an earlier row of the same or an
     * earlier tier.
     */
    readonly startsAfter: readonly string[];
    /** Nothing starts after it, and its health is slow: imctl waits for it last, not per tier. */
    readonly deferHealthWait?: boolean;
    /** Several containers `<name>-<n>`, label com.imstack.replica=<n>. */
    readonly replicated?: boolean;
    /** Variables it reads as secret files (`X_FILE`, docs/conventions.md "Secrets"), conditional ones included. */
    readonly secrets: readonly string[];
    /** What nginx routes to it, in the order the renderer writes them. */
    readonly routes: readonly Route[];
    /** Rotations that change what it runs with (`imctl rotate <target>` replaces or re-runs it). */
    readonly rotatedBy: readonly RotationTarget[];
    /** Default limits per environment; present when `imstack:resources.<name>` configures it. */
    readonly resources?: { readonly dev: ResourceDefaults; readonly prod: ResourceDefaults };
    /** The S3 API of a local object-store engine. */
    readonly provides?: "s3";
    /**
     * Where Prometheus scrapes it. With `monitoring.enabled` the service also joins the monitoring
     * network under its alias (and `<alias>-<n>` per replica); `path` only when not /metrics.
     */
    readonly metrics?: { readonly port: number; readonly path?: string };
    /** Deployed only when this switch of the stack config is on (otherwise always, per its component). */
    readonly enabledBy?: "monitoring" | "adminUi" | "monitoring+tls";
}
