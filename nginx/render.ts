// Renders the edge nginx configuration from a typed spec. The output must pass `nginx -t` on
// Debian bookworm's nginx 1.22 and run unchanged in the official nginx image, so it uses only
// directives both have and no `user` line (the two images name their unprivileged user differently).
import { MAINTENANCE_FLAG } from "../automation/backup/contract";
import { API_REQUEST_LINE, ERRORS_ROOT, ERRORS_URI, errorHandling } from "./errors";
import { NGINX_STUB_STATUS } from "../monitoring/metrics";
import { protectedServices, routeLocations, RoutedUpstream, toolPrefixes } from "./routes";

export { catalogueUpstreams, protectedServices, RoutedUpstream } from "./routes";

export interface NginxSpec {
    serverName: string;
    /** The routed services, with their routes (catalogueUpstreams), in the order their locations are written. */
    upstreams: readonly RoutedUpstream[];
    /** Resolver for upstream names; Docker's embedded DNS inside containers. */
    resolver: string;
    uploadMb: number;
    requestsPerSecond: number;
    burst: number;
    authRequestsPerMinute: number;
    /** When set, nginx serves HTTPS with these in-container paths and redirects HTTP. */
    tls?: { certPath: string; keyPath: string };
    /** Directory holding snippets, relative paths in `files` are written under /etc/nginx. */
    confDir: string;
    /** Serve stub_status on the internal-only listener for the nginx exporter (monitoring on). */
    stubStatus?: boolean;
}

export interface RenderedNginx {
    /** Path (inside the container) to file content. */
    files: Record<string, string>;
}

/** Where the restore flow drops a flag file to put the site in maintenance (the job contract's). */
export { MAINTENANCE_FLAG };

/** Content-Security-Policy directives; script-src is the only one that differs by route. */
function csp(scriptSrc: string): string {
    return [
        "default-src 'self'",
        scriptSrc,
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "connect-src 'self' ws: wss:",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ].join("; ");
}

/** The web client's build has no inline script, so everything but the Next.js app gets this. */
export const STRICT_SCRIPT_SRC = "script-src 'self'";
/**
 * Next.js streams its render payload in inline <script> elements whose text changes with every
 * response (`self.__next_f.push(...)`), so hashes cannot cover them, and nonces would need a
 * middleware in the app that makes every page dynamic. The relaxation is therefore scoped to
 * the admin app's routes.
 */
export const NEXT_SCRIPT_SRC = "script-src 'self' 'unsafe-inline'";
/**
 * Grafana's and Studio's pages boot from inline scripts and Grafana's panels compile code at run
 * time; neither lets the edge set nonces. Scoped to their path prefixes.
 */
export const TOOL_SCRIPT_SRC = "script-src 'self' 'unsafe-inline' 'unsafe-eval'";

/** The basic-auth user file of a protected operator UI, inside the nginx container. */
export function htpasswdPath(confDir: string, service: string): string {
    return `${confDir}/htpasswd/${service}`;
}

/** Picks the CSP by the (possibly rewritten) URI, so error pages always get the strict one. */
function cspMap(spec: NginxSpec): string {
    const lines = [`default "${csp(STRICT_SCRIPT_SRC)}";`];
    if (spec.upstreams.some((u) => u.service === "next")) lines.push(`"~^/next(/|$)" "${csp(NEXT_SCRIPT_SRC)}";`);
    for (const prefix of toolPrefixes(spec.upstreams)) lines.push(`"~^${prefix}" "${csp(TOOL_SCRIPT_SRC)}";`);
    return `map $uri $imstack_csp {\n${indent(lines.join("\n"), 4)}\n}`;
}

function securityHeaders(spec: NginxSpec): string {
    const lines = [
        `add_header X-Content-Type-Options "nosniff" always;`,
        `add_header X-Frame-Options "DENY" always;`,
        `add_header Referrer-Policy "strict-origin-when-cross-origin" always;`,
        `add_header Permissions-Policy "camera=(), microphone=(), geolocation=(), payment=()" always;`,
        `add_header Cross-Origin-Opener-Policy "same-origin" always;`,
        `add_header Content-Security-Policy $imstack_csp always;`,
    ];
    if (spec.tls) lines.push(`add_header Strict-Transport-Security "max-age=63072000; includeSubDomains" always;`);
    return `# Included in every server and location: add_header in a location replaces the server's set,\n# and the server's set covers answers nginx gives before any location matched.\n${lines.join("\n")}\n`;
}

/** Headers the edge owns: an upstream's own copy is dropped so each arrives exactly once. */
export const EDGE_HEADERS = [
    "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy", "Permissions-Policy",
    "Cross-Origin-Opener-Policy", "Content-Security-Policy", "Strict-Transport-Security", "X-Powered-By", "Server",
];

function proxyHeaders(): string {
    return [
        ...EDGE_HEADERS.map((h) => `proxy_hide_header ${h};`),
        "proxy_http_version 1.1;",
        "proxy_set_header Host $host;",
        "proxy_set_header X-Real-IP $remote_addr;",
        "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
        "proxy_set_header X-Forwarded-Proto $scheme;",
        "proxy_set_header X-Request-Id $request_id;",
        "proxy_set_header Connection \"\";",
        "proxy_next_upstream error timeout http_502 http_503;",
        "proxy_next_upstream_tries 3;",
        "proxy_connect_timeout 5s;",
        "",
    ].join("\n");
}

function indent(text: string, n: number): string {
    const pad = " ".repeat(n);
    return text.split("\n").map((l) => (l.trim() === "" ? "" : pad + l)).join("\n");
}

function location(match: string, body: string[], spec: NginxSpec): string {
    return `location ${match} {\n${indent([`include ${spec.confDir}/snippets/security-headers.conf;`, ...body].join("\n"), 4)}\n}`;
}

function maintenanceCheck(): string[] {
    return [`if (-f ${MAINTENANCE_FLAG}) { return 503; }`];
}

function serverLocations(spec: NginxSpec): string {
    return routeLocations(spec.upstreams, {
        burst: spec.burst,
        authRequestsPerMinute: spec.authRequestsPerMinute,
        location: (match, body) => location(match, body, spec),
        maintenance: maintenanceCheck(),
        proxy: `include ${spec.confDir}/snippets/proxy.conf;`,
        htpasswd: (service) => htpasswdPath(spec.confDir, service),
    });
}

/**
 * Multipart framing (boundary lines, part headers) on top of the file itself. nginx admits the
 * upload limit plus this, so a file of exactly the limit passes, and the backend enforces the
 * file's own size (apps/backend allows the same framing before it counts the file).
 */
export const MULTIPART_OVERHEAD_KB = 64;

function serverBlock(spec: NginxSpec, listen: string[], tlsServer: boolean): string {
    const errors = errorHandling(spec.uploadMb, tlsServer, (m, b) => location(m, b, spec));
    const body = [
        ...listen,
        `server_name ${spec.serverName};`,
        `include ${spec.confDir}/snippets/security-headers.conf;`,
        `client_max_body_size ${spec.uploadMb * 1024 + MULTIPART_OVERHEAD_KB}k;`,
        ...errors.directives,
        serverLocations(spec),
        ...errors.locations,
    ].join("\n");
    return `server {\n${indent(body, 4)}\n}`;
}

export function renderNginx(spec: NginxSpec): RenderedNginx {
    validateSpec(spec);
    const servers: string[] = [];
    if (spec.tls) {
        const redirectErrors = errorHandling(spec.uploadMb, false, (m, b) => location(m, b, spec));
        servers.push(`server {\n${indent([
            "listen 80 default_server;",
            `server_name ${spec.serverName};`,
            `include ${spec.confDir}/snippets/security-headers.conf;`,
            ...redirectErrors.directives,
            location("/", ["return 301 https://$host$request_uri;"], spec),
            ...redirectErrors.locations,
        ].join("\n"), 4)}\n}`);
        servers.push(serverBlock(spec, [
            "listen 443 ssl http2 default_server;",
            `ssl_certificate ${spec.tls.certPath};`,
            `ssl_certificate_key ${spec.tls.keyPath};`,
            `include ${spec.confDir}/snippets/tls.conf;`,
        ], true));
    } else {
        // IPv4 only: IPv6 is often disabled inside containers and `listen [::]` then fails to start.
        servers.push(serverBlock(spec, ["listen 80 default_server;"], false));
    }
    if (spec.stubStatus) {
        // Never published: only the nginx exporter on the edge network reaches this port.
        servers.push(`server {\n${indent([
            `listen ${NGINX_STUB_STATUS.port};`,
            "access_log off;",
            `location = ${NGINX_STUB_STATUS.path} { stub_status; }`,
            "location / { return 404; }",
        ].join("\n"), 4)}\n}`);
    }

    const main = `# Rendered by imstack (nginx/render.ts). Do not edit in the container; change config and run up.
worker_processes auto;
pid /tmp/nginx.pid;
error_log stderr warn;

events {
    worker_connections 4096;
}

http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    server_tokens off;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 65s;
    # $uri, not $request: query strings carry access tokens (/ws?token=, /api/files/:id?token=).
    log_format imstack '$remote_addr - [$time_local] "$request_method $uri $server_protocol" '
                       '$status $body_bytes_sent $request_time "$http_user_agent" $request_id';
    access_log /dev/stdout imstack;

    # Temp paths the two images place differently; /tmp exists in both.
    client_body_temp_path /tmp/nginx-client-body;
    proxy_temp_path /tmp/nginx-proxy;
    fastcgi_temp_path /tmp/nginx-fastcgi;
    uwsgi_temp_path /tmp/nginx-uwsgi;
    scgi_temp_path /tmp/nginx-scgi;

    # Upstream names are resolved per request, so nginx starts before every replica is up and
    # follows replicas as they are replaced.
    resolver ${spec.resolver} valid=10s ipv6=off;
    resolver_timeout 5s;

    map $http_upgrade $connection_upgrade {
        default upgrade;
        '' close;
    }

    # nginx's own error answers: JSON for API clients, HTML for browsers on pages.
    map $request $imstack_error_format {
        default html;
        "${API_REQUEST_LINE}" json;
    }

${indent(cspMap(spec), 4)}

    limit_req_zone $binary_remote_addr zone=imstack_general:10m rate=${spec.requestsPerSecond}r/s;
    limit_req_zone $binary_remote_addr zone=imstack_auth:10m rate=${spec.authRequestsPerMinute}r/m;
    limit_req_status 429;
    limit_conn_status 429;

    gzip on;
    gzip_vary on;
    gzip_proxied any;
    gzip_comp_level 5;
    gzip_min_length 1024;
    gzip_types text/plain text/css application/json application/javascript text/javascript application/xml image/svg+xml;

${indent(servers.join("\n\n"), 4)}
}
`;
    const tls = `# Mozilla "intermediate" TLS settings (ssl-config.mozilla.org, nginx 1.22, OpenSSL 3).
ssl_protocols TLSv1.2 TLSv1.3;
ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305;
ssl_prefer_server_ciphers off;
ssl_session_timeout 1d;
ssl_session_cache shared:imstack_tls:10m;
ssl_session_tickets off;
`;
    const maintenance = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Maintenance</title></head>
<body><h1>Down for maintenance</h1><p>The chat service is being restored and will be back shortly.</p></body></html>
`;
    const files: Record<string, string> = {
        "/etc/nginx/nginx.conf": main,
        [`${spec.confDir}/snippets/security-headers.conf`]: securityHeaders(spec),
        [`${spec.confDir}/snippets/proxy.conf`]: proxyHeaders(),
        [`${ERRORS_ROOT}${ERRORS_URI}/503.html`]: maintenance,
    };
    if (spec.tls) files[`${spec.confDir}/snippets/tls.conf`] = tls;
    return { files };
}

function validateSpec(spec: NginxSpec): void {
    const bad: string[] = [];
    const token = /^[A-Za-z0-9._-]+$/;
    if (!token.test(spec.serverName)) bad.push(`serverName ${JSON.stringify(spec.serverName)}`);
    for (const u of spec.upstreams) {
        if (!token.test(u.host)) bad.push(`upstreams.${u.service}.host ${JSON.stringify(u.host)}`);
        if (!(Number.isInteger(u.port) && u.port > 0 && u.port < 65536)) bad.push(`upstreams.${u.service}.port ${u.port}`);
    }
    for (const k of ["uploadMb", "requestsPerSecond", "authRequestsPerMinute"] as const) {
        if (!(Number.isInteger(spec[k]) && spec[k] > 0)) bad.push(`${k} ${spec[k]}`);
    }
    if (!(Number.isInteger(spec.burst) && spec.burst >= 0)) bad.push(`burst ${spec.burst}`);
    if (bad.length) throw new Error(`nginx spec has invalid values: ${bad.join(", ")}`);
}
