// parseConfig is pure: it turns the raw `imstack:*` values into a StackConfig with
// per-environment defaults, or throws ONE ConfigError that lists every problem with its full
// key, what was expected and what was given. Each section reads its keys through one Reader, so
// problems from every section end up in the same list.
import { ROTATION_TARGETS } from "../../catalogue";
import { readApp } from "./app";
import { readBackup } from "./backup";
import { DEFAULT_IMAGES, DEFAULT_PORTS, defaultResources, TOP_LEVEL_KEYS } from "./defaults";
import { readAdminUi, readMonitoring } from "./monitoring";
import { readObjectStore } from "./objectStore";
import { HOSTNAME, IMAGE_EXPECTED, IMAGE_REF, Reader, ROTATION_EXPECTED, ROTATION_VALUE } from "./reader";
import { environmentFromStack, isStackName, STACK_NAME_RULE } from "./rules";
import { ConfigError, Environment, ImageRefs, LimitsConfig, PortsConfig, RawConfig, ResourceLimits, Service, StackConfig, TlsConfig, TlsMode } from "./types";

export function parseConfig(raw: RawConfig, stack: string): StackConfig {
    const r = new Reader(raw);
    for (const k of Object.keys(raw)) {
        if (!(TOP_LEVEL_KEYS as readonly string[]).includes(k)) {
            r.problems.push(`imstack:${k} is not a known setting (known: ${TOP_LEVEL_KEYS.join(", ")})`);
        }
    }
    // The backup job names archives by the stack and refuses any other name at start.
    if (!isStackName(stack)) r.problems.push(`the stack name ${JSON.stringify(stack)} must be ${STACK_NAME_RULE}`);
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

    const { backend, web, next } = readApp(r, prod);

    r.object("limits", ["uploadMb", "requestsPerSecond", "burst", "authRequestsPerMinute"]);
    const limits: LimitsConfig = {
        uploadMb: r.number("limits.uploadMb", 10, 1, 1024, true),
        requestsPerSecond: r.number("limits.requestsPerSecond", 20, 1, 10000, true),
        burst: r.number("limits.burst", 40, 0, 100000, true),
        authRequestsPerMinute: r.number("limits.authRequestsPerMinute", 30, 1, 10000, true),
    };

    const services = defaultResources(environment);
    r.object("resources", services.map(([name]) => name));
    const resources = {} as Record<Service, ResourceLimits>;
    for (const [svc, def] of services) {
        r.object(`resources.${svc}`, ["memoryMb", "cpus"]);
        resources[svc as Service] = {
            memoryMb: r.number(`resources.${svc}.memoryMb`, def.memoryMb, 32, 262144, true),
            cpus: r.number(`resources.${svc}.cpus`, def.cpus, 0.1, 64, false),
        };
    }

    const backup = readBackup(r);

    const objectStore = readObjectStore(r);
    const monitoring = readMonitoring(r, prod);
    const adminUi = readAdminUi(r, prod);

    r.object("rotation", [...ROTATION_TARGETS, "jwtPrevious", "backupPrevious"]);
    const rotation = {} as StackConfig["rotation"];
    for (const name of ROTATION_TARGETS) {
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
        limits, resources, backup, objectStore, monitoring, adminUi, rotation, healthTimeoutSeconds, buildArgs,
    };
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
