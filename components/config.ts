// Typed stack configuration. `parseConfig` is pure: it turns the raw `imstack:*` values into a
// `StackConfig` with per-environment defaults, or throws ONE `ConfigError` that lists every
// problem with its full key, what was expected and what was given.

export type Environment = "dev" | "prod";
export type StorageDriver = "postgres" | "file";
export type TlsMode = "off" | "files";

/** Services that run as long-lived containers and take resource limits. */
export const SERVICES = ["postgres", "redis", "minio", "seaweedfs", "backend", "web", "next", "nginx", "backup"] as const;
export type Service = (typeof SERVICES)[number];

/**
 * Credentials with their own rotation value (`imstack:rotation.<name>`). `minio` keeps its name
 * for existing stacks and rotates the object store's generated keys on either local engine.
 */
export const ROTATABLE = ["postgres", "redis", "minio", "jwt", "backup"] as const;
export type Rotatable = (typeof ROTATABLE)[number];

export interface ImageRefs {
    postgres: string;
    redis: string;
    seaweedfs: string;
    minio: string;
    minioClient: string;
    nginx: string;
    node: string;
}

export interface AppServiceConfig {
    enabled: boolean;
    /** A prebuilt image used instead of building from apps/. */
    image?: string;
}

export interface BackendConfig {
    replicas: number;
    storageDriver: StorageDriver;
    image?: string;
    logLevel: string;
}

export interface PortsConfig {
    http: number;
    https: number;
    postgres: number;
    redis: number;
    minioApi: number;
    minioConsole: number;
    backend: number;
    next: number;
    web: number;
}

export interface TlsConfig {
    mode: TlsMode;
    certFile?: string;
    keyFile?: string;
}

export interface LimitsConfig {
    uploadMb: number;
    requestsPerSecond: number;
    burst: number;
    authRequestsPerMinute: number;
}

export interface ResourceLimits {
    memoryMb: number;
    cpus: number;
}

export interface RemoteBackupConfig {
    endpoint: string;
    port: number;
    useSsl: boolean;
    bucket: string;
    region: string;
    accessKey: string;
    /** Secret: comes from `pulumi config set --secret --path backup.remote.secretKey`. */
    secretKey: string;
}

/** Where uploads live: a SeaweedFS container, the archived MinIO, or an S3 service outside the stack. */
export const OBJECT_STORE_ENGINES = ["seaweedfs", "minio", "external"] as const;
export type ObjectStoreEngine = (typeof OBJECT_STORE_ENGINES)[number];
/** New stacks get the maintained engine; existing MinIO stacks set `objectStore.engine: minio`. */
export const DEFAULT_OBJECT_STORE_ENGINE: ObjectStoreEngine = "seaweedfs";

export interface ExternalObjectStoreConfig {
    /** Bare host name of the S3 API (no scheme, no port). */
    endpoint: string;
    port: number;
    useSsl: boolean;
    region: string;
    bucket: string;
    /** Buckets addressed as https://host/bucket (what the backend's client speaks). */
    pathStyle: boolean;
    accessKey: string;
    /** Secret: `pulumi config set --secret --path objectStore.external.secretKey`. */
    secretKey: string;
}

export interface ObjectStoreConfig {
    engine: ObjectStoreEngine;
    /** Set when engine is external. */
    external?: ExternalObjectStoreConfig;
}

export interface BackupConfig {
    enabled: boolean;
    schedule: string;
    timezone: string;
    retentionDays: number;
    keepLast: number;
    encrypt: boolean;
    includeRedis: boolean;
    remote?: RemoteBackupConfig;
}

export interface StackConfig {
    stack: string;
    environment: Environment;
    domain: string;
    publicUrl: string;
    images: ImageRefs;
    app: { backend: BackendConfig; web: AppServiceConfig; next: AppServiceConfig };
    /** Publish the data and app services on 127.0.0.1 (dev) or nothing but nginx (prod). */
    publishServices: boolean;
    ports: PortsConfig;
    tls: TlsConfig;
    limits: LimitsConfig;
    resources: Record<Service, ResourceLimits>;
    backup: BackupConfig;
    objectStore: ObjectStoreConfig;
    rotation: Record<Rotatable, string> & { jwtPrevious: string; backupPrevious: string[] };
    /** Seconds a container create waits for its healthcheck before failing. */
    healthTimeoutSeconds: number;
    /** Build args passed to every app image build (e.g. a corporate CA bundle). */
    buildArgs: Record<string, string>;
}

export type RawConfig = Record<string, unknown>;

export class ConfigError extends Error {
    constructor(public readonly problems: string[]) {
        super(`invalid imstack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
            problems.map((p) => `  - ${p}`).join("\n"));
        this.name = "ConfigError";
    }
}

/** Official images, pinned by tag. Users may pin by digest through `imstack:images`. */
export const DEFAULT_IMAGES: ImageRefs = {
    postgres: "postgres:16.4-bookworm",
    redis: "redis:7.4-bookworm",
    // The release tools/seaweedfs/go.mod's module version carries (scripts/seaweedfs-image.sh).
    seaweedfs: "chrislusf/seaweedfs:4.53",
    minio: "quay.io/minio/minio:RELEASE.2024-11-07T00-52-20Z",
    minioClient: "quay.io/minio/mc:RELEASE.2024-11-05T11-29-45Z",
    nginx: "nginx:1.27.3",
    node: "node:20-bookworm-slim",
};

const DEFAULT_PORTS: PortsConfig = {
    http: 80, https: 443, postgres: 5432, redis: 6379, minioApi: 9000, minioConsole: 9001,
    backend: 4000, next: 3000, web: 5173,
};

const DEFAULT_RESOURCES: Record<Environment, Record<Service, ResourceLimits>> = {
    dev: {
        postgres: { memoryMb: 512, cpus: 1 }, redis: { memoryMb: 256, cpus: 0.5 }, minio: { memoryMb: 512, cpus: 1 },
        seaweedfs: { memoryMb: 512, cpus: 1 }, backend: { memoryMb: 384, cpus: 1 }, web: { memoryMb: 128, cpus: 0.5 }, next: { memoryMb: 384, cpus: 1 },
        nginx: { memoryMb: 128, cpus: 0.5 }, backup: { memoryMb: 384, cpus: 1 },
    },
    prod: {
        postgres: { memoryMb: 2048, cpus: 2 }, redis: { memoryMb: 512, cpus: 1 }, minio: { memoryMb: 1024, cpus: 1 },
        seaweedfs: { memoryMb: 1024, cpus: 1 }, backend: { memoryMb: 512, cpus: 1 }, web: { memoryMb: 128, cpus: 0.5 }, next: { memoryMb: 512, cpus: 1 },
        nginx: { memoryMb: 256, cpus: 1 }, backup: { memoryMb: 512, cpus: 1 },
    },
};

const TOP_LEVEL_KEYS = [
    "environment", "domain", "publicUrl", "images", "app", "publishServices", "ports", "tls", "limits",
    "resources", "backup", "objectStore", "rotation", "healthTimeoutSeconds", "buildArgs",
] as const;

/** Collects problems instead of throwing at the first one. */
class Reader {
    readonly problems: string[] = [];

    constructor(private readonly raw: RawConfig) {}

    private show(v: unknown): string {
        return typeof v === "string" ? JSON.stringify(v) : JSON.stringify(v) ?? String(v);
    }

    problem(key: string, expected: string, got: unknown): void {
        this.problems.push(`imstack:${key} must be ${expected}, got ${this.show(got)}`);
    }

    /** Value at a dotted path, or undefined. */
    get(key: string): unknown {
        let cur: unknown = this.raw;
        for (const part of key.split(".")) {
            if (cur === undefined || cur === null || typeof cur !== "object" || Array.isArray(cur)) return undefined;
            cur = (cur as Record<string, unknown>)[part];
        }
        return cur;
    }

    object(key: string, allowed: readonly string[]): Record<string, unknown> {
        const v = this.get(key);
        if (v === undefined || v === null) return {};
        if (typeof v !== "object" || Array.isArray(v)) {
            this.problem(key, "an object", v);
            return {};
        }
        for (const k of Object.keys(v)) {
            if (!allowed.includes(k)) this.problems.push(`imstack:${key}.${k} is not a known setting (known: ${allowed.join(", ")})`);
        }
        return v as Record<string, unknown>;
    }

    string(key: string, def: string, opts: { pattern?: RegExp; expected?: string } = {}): string {
        const v = this.get(key);
        if (v === undefined || v === null) return def;
        if (typeof v !== "string" || v.trim() === "" || (opts.pattern && !opts.pattern.test(v))) {
            this.problem(key, opts.expected ?? "a non-empty string", v);
            return def;
        }
        return v;
    }

    optionalString(key: string, opts: { pattern?: RegExp; expected?: string } = {}): string | undefined {
        const v = this.get(key);
        if (v === undefined || v === null || v === "") return undefined;
        return this.string(key, "", opts) || undefined;
    }

    oneOf<T extends string>(key: string, allowed: readonly T[], def: T): T {
        const v = this.get(key);
        if (v === undefined || v === null) return def;
        if (typeof v !== "string" || !allowed.includes(v as T)) {
            this.problem(key, `one of ${allowed.join(", ")}`, v);
            return def;
        }
        return v as T;
    }

    /** Pulumi config stores scalars as strings, so "3" and 3 are both accepted. */
    number(key: string, def: number, min: number, max: number, integer: boolean): number {
        const v = this.get(key);
        if (v === undefined || v === null) return def;
        const n = typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v) : NaN;
        if (!Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min || n > max) {
            this.problem(key, `${integer ? "an integer" : "a number"} from ${min} to ${max}`, v);
            return def;
        }
        return n;
    }

    boolean(key: string, def: boolean): boolean {
        const v = this.get(key);
        if (v === undefined || v === null) return def;
        if (v === true || v === "true") return true;
        if (v === false || v === "false") return false;
        this.problem(key, "true or false", v);
        return def;
    }

    stringList(key: string, def: string[], pattern: RegExp, expected: string): string[] {
        const v = this.get(key);
        if (v === undefined || v === null) return def;
        const list = typeof v === "string" ? v.split(",").map((s) => s.trim()).filter(Boolean) : v;
        if (!Array.isArray(list) || !list.every((s) => typeof s === "string" && pattern.test(s))) {
            this.problem(key, expected, v);
            return def;
        }
        return list as string[];
    }
}

const IMAGE_REF = /^[a-z0-9][a-z0-9._\/:-]*(@sha256:[a-f0-9]{64})?$/;
const IMAGE_EXPECTED = "an image reference such as postgres:16 or repo/name@sha256:<digest>";
/** S3's bucket naming rules (3-63 of a-z, 0-9, "." and "-", letter or digit at both ends). */
export const BUCKET_NAME = /^(?!.*\.\.)(?!\d+\.\d+\.\d+\.\d+$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const BUCKET_EXPECTED = "an S3 bucket name (3-63 characters of a-z, 0-9, \".\" and \"-\", a letter or digit at both ends)";
const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;
const ROTATION_VALUE = /^[A-Za-z0-9._:+-]{1,64}$/;
const ROTATION_EXPECTED = "1-64 characters of letters, digits and ._:+-";
// The backend gave the admin role at registration to these names, so whoever registered one
// first became admin. Kept as a known key so that old stack files get this error, not "unknown".
const ADMIN_USERNAMES_REMOVED = "imstack:app.backend.adminUsernames is no longer supported: registering a listed name made " +
    "whoever claimed it first an admin. Remove it (pulumi config rm --path app.backend.adminUsernames) and grant the role " +
    "with `imctl admin grant <user>`; users who already hold it keep it (`imctl admin list`)";

/** A 5-field cron expression with the usual ranges; croner in the backup job does the rest. */
export function isCron(expr: string): boolean {
    const fields = expr.trim().split(/\s+/);
    if (fields.length !== 5) return false;
    const ranges: Array<[number, number]> = [[0, 59], [0, 23], [1, 31], [1, 12], [0, 7]];
    return fields.every((field, i) => field.split(",").every((part) => {
        const m = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
        if (!m) return false;
        const [lo, hi] = ranges[i];
        const nums = [m[2], m[3], m[4]].filter((x) => x !== undefined).map(Number);
        if (m[4] !== undefined && Number(m[4]) < 1) return false;
        const bounded = [m[2], m[3]].filter((x) => x !== undefined).map(Number);
        return nums.every(Number.isInteger) && bounded.every((n) => n >= lo && n <= hi) &&
            (m[3] === undefined || Number(m[2]) <= Number(m[3]));
    }));
}

export function isTimezone(tz: string): boolean {
    try {
        new Intl.DateTimeFormat("en-US", { timeZone: tz });
        return true;
    } catch {
        return false;
    }
}

/** The environment a stack name implies: names starting with "prod" are prod, the rest dev. */
export function environmentFromStack(stack: string): Environment {
    return /^prod/i.test(stack) ? "prod" : "dev";
}

export function parseConfig(raw: RawConfig, stack: string): StackConfig {
    const r = new Reader(raw);
    for (const k of Object.keys(raw)) {
        if (!(TOP_LEVEL_KEYS as readonly string[]).includes(k)) {
            r.problems.push(`imstack:${k} is not a known setting (known: ${TOP_LEVEL_KEYS.join(", ")})`);
        }
    }
    const environment = r.oneOf<Environment>("environment", ["dev", "prod"], environmentFromStack(stack));
    const prod = environment === "prod";

    const domain = r.string("domain", "localhost", { pattern: HOSTNAME, expected: "a hostname such as chat.example.com" });
    r.object("tls", ["mode", "certFile", "keyFile"]);
    const tlsMode = r.oneOf<TlsMode>("tls.mode", ["off", "files"], "off");
    const tls: TlsConfig = { mode: tlsMode };
    if (tlsMode === "files") {
        tls.certFile = r.optionalString("tls.certFile", { expected: "the path of a PEM certificate file" });
        tls.keyFile = r.optionalString("tls.keyFile", { expected: "the path of a PEM private key file" });
        if (!tls.certFile) r.problem("tls.certFile", "set when tls.mode is files", r.get("tls.certFile") ?? null);
        if (!tls.keyFile) r.problem("tls.keyFile", "set when tls.mode is files", r.get("tls.keyFile") ?? null);
    }

    r.object("ports", Object.keys(DEFAULT_PORTS));
    const ports = {} as PortsConfig;
    for (const [name, def] of Object.entries(DEFAULT_PORTS) as Array<[keyof PortsConfig, number]>) {
        ports[name] = r.number(`ports.${name}`, def, 1, 65535, true);
    }
    const publishServices = r.boolean("publishServices", !prod);
    const published = publishServices ? Object.keys(ports) as Array<keyof PortsConfig> :
        (["http", ...(tlsMode === "files" ? ["https"] : [])] as Array<keyof PortsConfig>);
    const seen = new Map<number, string>();
    for (const name of published) {
        if (name === "https" && tlsMode !== "files") continue;
        const other = seen.get(ports[name]);
        if (other) r.problems.push(`imstack:ports.${name} must differ from imstack:ports.${other}, both are ${ports[name]}`);
        seen.set(ports[name], name);
    }

    const scheme = tlsMode === "files" ? "https" : "http";
    const defaultPort = scheme === "https" ? ports.https : ports.http;
    const defaultUrl = `${scheme}://${domain}${defaultPort === (scheme === "https" ? 443 : 80) ? "" : `:${defaultPort}`}`;
    const publicUrl = r.string("publicUrl", defaultUrl, { pattern: /^https?:\/\/[^\s/]+(\/[^\s]*)?$/, expected: "an http(s) URL such as https://chat.example.com" }).replace(/\/+$/, "");

    r.object("images", Object.keys(DEFAULT_IMAGES));
    const images = {} as ImageRefs;
    for (const [name, def] of Object.entries(DEFAULT_IMAGES) as Array<[keyof ImageRefs, string]>) {
        images[name] = r.string(`images.${name}`, def, { pattern: IMAGE_REF, expected: IMAGE_EXPECTED });
    }

    r.object("app", ["backend", "web", "next"]);
    r.object("app.backend", ["replicas", "storageDriver", "image", "adminUsernames", "logLevel"]);
    r.object("app.web", ["enabled", "image"]);
    r.object("app.next", ["enabled", "image"]);
    const backend: BackendConfig = {
        replicas: r.number("app.backend.replicas", prod ? 2 : 1, 1, 16, true),
        storageDriver: r.oneOf<StorageDriver>("app.backend.storageDriver", ["postgres", "file"], "postgres"),
        image: r.optionalString("app.backend.image", { pattern: IMAGE_REF, expected: IMAGE_EXPECTED }),
        logLevel: r.oneOf("app.backend.logLevel", ["trace", "debug", "info", "warn", "error"], prod ? "info" : "debug"),
    };
    if (r.get("app.backend.adminUsernames") !== undefined) r.problems.push(ADMIN_USERNAMES_REMOVED);
    if (prod && backend.storageDriver === "file") {
        r.problems.push(`imstack:app.backend.storageDriver must be postgres in prod (file is for local trials only), got "file"`);
    }
    if (backend.storageDriver === "file" && backend.replicas > 1) {
        r.problems.push(`imstack:app.backend.replicas must be 1 when app.backend.storageDriver is file (each replica would keep its own file), got ${backend.replicas}`);
    }
    const web: AppServiceConfig = {
        enabled: r.boolean("app.web.enabled", true),
        image: r.optionalString("app.web.image", { pattern: IMAGE_REF, expected: IMAGE_EXPECTED }),
    };
    const next: AppServiceConfig = {
        enabled: r.boolean("app.next.enabled", true),
        image: r.optionalString("app.next.image", { pattern: IMAGE_REF, expected: IMAGE_EXPECTED }),
    };

    r.object("limits", ["uploadMb", "requestsPerSecond", "burst", "authRequestsPerMinute"]);
    const limits: LimitsConfig = {
        uploadMb: r.number("limits.uploadMb", 10, 1, 1024, true),
        requestsPerSecond: r.number("limits.requestsPerSecond", 20, 1, 10000, true),
        burst: r.number("limits.burst", 40, 0, 100000, true),
        authRequestsPerMinute: r.number("limits.authRequestsPerMinute", 30, 1, 10000, true),
    };

    r.object("resources", SERVICES);
    const resources = {} as Record<Service, ResourceLimits>;
    for (const svc of SERVICES) {
        r.object(`resources.${svc}`, ["memoryMb", "cpus"]);
        const def = DEFAULT_RESOURCES[environment][svc];
        resources[svc] = {
            memoryMb: r.number(`resources.${svc}.memoryMb`, def.memoryMb, 32, 262144, true),
            cpus: r.number(`resources.${svc}.cpus`, def.cpus, 0.1, 64, false),
        };
    }

    r.object("backup", ["enabled", "schedule", "timezone", "retentionDays", "keepLast", "encrypt", "includeRedis", "remote"]);
    const schedule = r.string("backup.schedule", "0 2 * * *");
    if (!isCron(schedule)) r.problem("backup.schedule", "a 5-field cron expression such as \"0 2 * * *\"", schedule);
    const timezone = r.string("backup.timezone", "UTC");
    if (!isTimezone(timezone)) r.problem("backup.timezone", "an IANA time zone such as Europe/Berlin", timezone);
    const backup: BackupConfig = {
        enabled: r.boolean("backup.enabled", true),
        schedule,
        timezone,
        retentionDays: r.number("backup.retentionDays", 7, 1, 3650, true),
        keepLast: r.number("backup.keepLast", 3, 1, 1000, true),
        encrypt: r.boolean("backup.encrypt", true),
        includeRedis: r.boolean("backup.includeRedis", false),
    };
    if (r.get("backup.remote") !== undefined && r.get("backup.remote") !== null) {
        r.object("backup.remote", ["endpoint", "port", "useSsl", "bucket", "region", "accessKey", "secretKey"]);
        const useSsl = r.boolean("backup.remote.useSsl", true);
        backup.remote = {
            endpoint: r.string("backup.remote.endpoint", "", { pattern: HOSTNAME, expected: "an S3 endpoint hostname such as s3.eu-central-1.amazonaws.com" }),
            port: r.number("backup.remote.port", useSsl ? 443 : 80, 1, 65535, true),
            useSsl,
            bucket: r.string("backup.remote.bucket", "", { pattern: BUCKET_NAME, expected: BUCKET_EXPECTED }),
            region: r.string("backup.remote.region", "us-east-1"),
            accessKey: r.string("backup.remote.accessKey", ""),
            secretKey: r.string("backup.remote.secretKey", "", { expected: "a secret (pulumi config set --secret --path backup.remote.secretKey ...)" }),
        };
        for (const k of ["endpoint", "bucket", "accessKey", "secretKey"] as const) {
            if (r.get(`backup.remote.${k}`) === undefined) r.problem(`backup.remote.${k}`, "set when backup.remote is configured", null);
        }
    }

    const objectStore = readObjectStore(r);

    r.object("rotation", [...ROTATABLE, "jwtPrevious", "backupPrevious"]);
    const rotation = {} as StackConfig["rotation"];
    for (const name of ROTATABLE) {
        rotation[name] = r.string(`rotation.${name}`, "0", { pattern: ROTATION_VALUE, expected: ROTATION_EXPECTED });
    }
    rotation.jwtPrevious = r.string("rotation.jwtPrevious", "", { pattern: ROTATION_VALUE, expected: ROTATION_EXPECTED });
    if (rotation.jwtPrevious === "") rotation.jwtPrevious = rotation.jwt;
    rotation.backupPrevious = r.stringList("rotation.backupPrevious", [], ROTATION_VALUE, `a list of rotation values (${ROTATION_EXPECTED})`);

    const healthTimeoutSeconds = r.number("healthTimeoutSeconds", 120, 10, 3600, true);

    const buildArgs: Record<string, string> = {};
    const rawArgs = r.get("buildArgs");
    if (rawArgs !== undefined && rawArgs !== null) {
        if (typeof rawArgs !== "object" || Array.isArray(rawArgs)) r.problem("buildArgs", "an object of string build args", rawArgs);
        else for (const [k, v] of Object.entries(rawArgs)) {
            if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) || typeof v !== "string") r.problem(`buildArgs.${k}`, "a string build arg with a name of letters, digits and _", v);
            else buildArgs[k] = v;
        }
    }

    if (r.problems.length > 0) throw new ConfigError(r.problems);
    return {
        stack, environment, domain, publicUrl, images, app: { backend, web, next }, publishServices, ports, tls,
        limits, resources, backup, objectStore, rotation, healthTimeoutSeconds, buildArgs,
    };
}

const EXTERNAL_KEYS = ["endpoint", "port", "useSsl", "region", "bucket", "pathStyle", "accessKey", "secretKey"] as const;
const EXTERNAL_REQUIRED = ["endpoint", "bucket", "accessKey", "secretKey"] as const;

function readObjectStore(r: Reader): ObjectStoreConfig {
    r.object("objectStore", ["engine", "external"]);
    const engine = r.oneOf<ObjectStoreEngine>("objectStore.engine", OBJECT_STORE_ENGINES, DEFAULT_OBJECT_STORE_ENGINE);
    const given = r.get("objectStore.external");
    if (engine !== "external") {
        // Settings that would be silently ignored hide a mistyped engine.
        if (given !== undefined && given !== null) r.problems.push(`imstack:objectStore.external is read only when imstack:objectStore.engine is external, got engine "${engine}"`);
        return { engine };
    }
    if (given === undefined || given === null) {
        r.problem("objectStore.external", `set when objectStore.engine is external (${EXTERNAL_REQUIRED.join(", ")})`, null);
        return { engine };
    }
    r.object("objectStore.external", EXTERNAL_KEYS);
    const k = (name: string) => `objectStore.external.${name}`;
    const useSsl = r.boolean(k("useSsl"), true);
    const external: ExternalObjectStoreConfig = {
        endpoint: r.string(k("endpoint"), "", { pattern: HOSTNAME, expected: "a bare S3 host name such as s3.eu-central-1.amazonaws.com (port in port, TLS in useSsl)" }),
        port: r.number(k("port"), useSsl ? 443 : 80, 1, 65535, true),
        useSsl,
        region: r.string(k("region"), "us-east-1", { pattern: /^[a-z0-9][a-z0-9-]{0,62}$/, expected: "a region name such as eu-central-1 (R2: auto)" }),
        bucket: r.string(k("bucket"), "", { pattern: BUCKET_NAME, expected: BUCKET_EXPECTED }),
        pathStyle: r.boolean(k("pathStyle"), true),
        accessKey: r.string(k("accessKey"), "", { pattern: /^\S{1,128}$/, expected: "an access key of 1-128 characters without spaces" }),
        secretKey: r.string(k("secretKey"), "", { expected: "a secret (pulumi config set --secret --path objectStore.external.secretKey ...)" }),
    };
    for (const name of EXTERNAL_REQUIRED) {
        if (r.get(k(name)) === undefined || r.get(k(name)) === null) r.problem(k(name), "set when objectStore.engine is external", null);
    }
    // The backend's client (docs/app-contract.md) and the backup job address buckets path-style
    // only; AWS S3, R2, B2, MinIO and Ceph all serve it.
    if (!external.pathStyle) r.problem(k("pathStyle"), "true (the backend and the backup job address buckets path-style)", r.get(k("pathStyle")));
    return { engine, external };
}

/**
 * Turns `pulumi.runtime.allConfig()` (keys `imstack:<name>`, structured values as JSON text)
 * into the nested raw object `parseConfig` reads. Other namespaces are ignored.
 */
export function rawFromAllConfig(all: Record<string, string>): RawConfig {
    const raw: RawConfig = {};
    for (const [key, text] of Object.entries(all)) {
        if (!key.startsWith("imstack:")) continue;
        let value: unknown = text;
        if (/^\s*[\[{]/.test(text)) {
            try { value = JSON.parse(text); } catch { value = text; }
        }
        raw[key.slice("imstack:".length)] = value;
    }
    return raw;
}
