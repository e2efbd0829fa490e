import * as assert from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { catalogueUpstreams, MULTIPART_OVERHEAD_KB, NginxSpec, renderNginx } from "../../nginx/render";
import { PROJECT_DIR } from "./helpers/stackFiles";
import { runStack } from "./helpers/runStack";
import { stackConfig } from "./helpers/stackFiles";
import { unwrap } from "./helpers/recordingMocks";

const NGINX = process.env.NGINX_BIN ?? path.join(PROJECT_DIR, ".imstack-cache", "nginx", "usr", "sbin", "nginx");
const MIME = path.join(path.dirname(path.dirname(path.dirname(NGINX))), "etc", "nginx", "mime.types");

function spec(over: Partial<NginxSpec> = {}): NginxSpec {
    return {
        serverName: "localhost",
        resolver: "127.0.0.11",
        upstreams: catalogueUpstreams(() => true),
        uploadMb: 10, requestsPerSecond: 20, burst: 40, authRequestsPerMinute: 30,
        confDir: "/etc/nginx/imstack",
        ...over,
    };
}

/** Writes the rendered files under a temp root and runs Debian's `nginx -t` on them. */
function nginxTest(files: Record<string, string>): { ok: boolean; output: string } {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "imstack-nginx-"));
    const relocate = (s: string) => s.replace(/(^|[\s'"])\/(etc\/nginx|usr\/share\/nginx|tmp|var\/lib\/imstack)\//g, `$1${root}/$2/`);
    for (const [file, content] of Object.entries(files)) {
        const target = path.join(root, file);
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.writeFileSync(target, relocate(content));
    }
    fs.mkdirSync(path.join(root, "tmp"), { recursive: true });
    fs.copyFileSync(MIME, path.join(root, "etc/nginx/mime.types"));
    // Real files for stdout/stderr: node's pipes are sockets, which nginx cannot open as /dev/stdout.
    const out = path.join(root, "nginx-t.log");
    const fd = fs.openSync(out, "w");
    const r = spawnSync(NGINX, ["-t", "-p", `${root}/`, "-c", path.join(root, "etc/nginx/nginx.conf"), "-e", path.join(root, "error.log")], { stdio: ["ignore", fd, fd] });
    fs.closeSync(fd);
    const output = fs.readFileSync(out, "utf8");
    fs.rmSync(root, { recursive: true, force: true });
    return { ok: r.status === 0, output };
}

/** The body of `location <match> {...}`, braces of nested blocks included. */
function locationBody(conf: string, match: string): string {
    const start = conf.indexOf(`location ${match} {`);
    assert.ok(start >= 0, `no location ${match}`);
    let depth = 0;
    for (let i = conf.indexOf("{", start); i < conf.length; i++) {
        if (conf[i] === "{") depth++;
        if (conf[i] === "}" && --depth === 0) return conf.slice(conf.indexOf("{", start) + 1, i);
    }
    throw new Error(`location ${match} is not closed`);
}

function selfSignedPair(): { cert: string; key: string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "imstack-tls-"));
    execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
        "-keyout", path.join(dir, "key.pem"), "-out", path.join(dir, "cert.pem")], { stdio: "ignore" });
    const pair = { cert: fs.readFileSync(path.join(dir, "cert.pem"), "utf8"), key: fs.readFileSync(path.join(dir, "key.pem"), "utf8") };
    fs.rmSync(dir, { recursive: true, force: true });
    return pair;
}

describe("nginx renderer", function () {
    it("routes /, /next/, /api/, /ws and /health, with websocket upgrade and long read timeouts", function () {
        const conf = renderNginx(spec()).files["/etc/nginx/nginx.conf"];
        assert.match(conf, /location \/ \{[\s\S]*?proxy_pass http:\/\/\$web_upstream;/);
        assert.match(conf, /location \/next \{[\s\S]*?proxy_pass http:\/\/\$next_upstream;/s);
        assert.match(conf, /location \/api\/ \{[\s\S]*?proxy_pass http:\/\/\$backend_upstream;/s);
        assert.match(conf, /location = \/ws \{[\s\S]*?proxy_set_header Upgrade \$http_upgrade;[\s\S]*?proxy_read_timeout 3600s;[\s\S]*?proxy_pass/);
        assert.match(conf, /map \$http_upgrade \$connection_upgrade/);
        assert.match(conf, /location = \/health \{[^}]*proxy_pass http:\/\/\$backend_upstream\/health;/s);
    });

    it("resolves upstreams at request time, so nginx starts before the backends", function () {
        const conf = renderNginx(spec()).files["/etc/nginx/nginx.conf"];
        assert.match(conf, /resolver 127\.0\.0\.11 valid=10s/);
        assert.ok(!/upstream\s+\w+\s*\{/.test(conf), "no static upstream blocks");
        for (const m of conf.matchAll(/proxy_pass ([^;]+);/g)) assert.match(m[1], /^http:\/\/\$\w+_upstream/);
    });

    it("includes the security headers in every server and location, always, and hides the version", function () {
        for (const tls of [undefined, { certPath: "/etc/nginx/tls/cert.pem", keyPath: "/etc/nginx/tls/key.pem" }]) {
            const r = renderNginx(spec({ tls }));
            const conf = r.files["/etc/nginx/nginx.conf"];
            const blocks = conf.match(/(location [^{]+|server )\{/g)!;
            const includes = conf.match(/include \/etc\/nginx\/imstack\/snippets\/security-headers\.conf;/g)!;
            assert.strictEqual(includes.length, blocks.length);
            assert.match(conf, /server_tokens off;/);
            const headers = r.files["/etc/nginx/imstack/snippets/security-headers.conf"];
            for (const h of ["X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy", "Content-Security-Policy", "Permissions-Policy"]) {
                assert.match(headers, new RegExp(`add_header ${h} .* always;`), h);
            }
            assert.strictEqual(headers.includes("Strict-Transport-Security"), tls !== undefined, "HSTS only over HTTPS");
        }
    });

    it("allows inline scripts only on the Next.js app's routes", function () {
        const conf = renderNginx(spec({ upstreams: spec().upstreams.filter((u) => !u.routes.some((r) => r.profile.endsWith("tool"))) })).files["/etc/nginx/nginx.conf"];
        const map = /map \$uri \$imstack_csp \{([^}]*)\}/.exec(conf)![1];
        const entries = [...map.matchAll(/^\s*(\S+) "([^"]*)";$/gm)].map((m) => [m[1], m[2]]);
        assert.deepStrictEqual(entries.map(([k]) => k), ["default", '"~^/next(/|$)"']);
        const scriptSrc = (policy: string) => policy.split("; ").find((d) => d.startsWith("script-src"));
        assert.strictEqual(scriptSrc(entries[0][1]), "script-src 'self'");
        assert.strictEqual(scriptSrc(entries[1][1]), "script-src 'self' 'unsafe-inline'");
        assert.strictEqual(entries[0][1].replace("script-src 'self'", ""), entries[1][1].replace("script-src 'self' 'unsafe-inline'", ""), "only script-src differs");
        const noNext = renderNginx(spec({ upstreams: spec().upstreams.filter((u) => u.service !== "next" && !u.routes.some((r) => r.profile.endsWith("tool"))) })).files["/etc/nginx/nginx.conf"];
        assert.ok(!noNext.includes("script-src 'self' 'unsafe-inline'"), "no relaxed CSP without the Next.js app");
    });

    it("serves the operator UIs: Grafana under /grafana/, Studio under /studio/ behind basic auth, both outside maintenance", function () {
        const conf = renderNginx(spec({ stubStatus: true })).files["/etc/nginx/nginx.conf"];
        const block = (loc: string) => new RegExp(`location ${loc.replace(/\//g, "\\/")} \\{([^}]*)\\}`).exec(conf)![1];
        const grafana = block("/grafana/");
        assert.match(grafana, /proxy_pass http:\/\/\$grafana_upstream;/);
        assert.match(grafana, /proxy_set_header Upgrade \$http_upgrade;/);
        assert.doesNotMatch(grafana, /auth_basic|maintenance|rewrite/);
        const studio = block("/studio/");
        assert.match(studio, /auth_basic "imstack studio";/);
        assert.match(studio, /auth_basic_user_file \/etc\/nginx\/imstack\/htpasswd\/studio;/);
        assert.match(studio, /proxy_set_header Authorization "";/);
        // The upstream is set before `rewrite ... break`, which ends the rewrite phase.
        assert.ok(studio.indexOf("set $studio_upstream") < studio.indexOf("rewrite ^/studio/(.*)$ /$1 break;"), "set before rewrite");
        assert.doesNotMatch(studio, /-f \//, "no maintenance check");
        const map = /map \$uri \$imstack_csp \{([^}]*)\}/.exec(conf)![1];
        assert.match(map, /"~\^\/grafana\/" "[^"]*script-src 'self' 'unsafe-inline' 'unsafe-eval'/);
        assert.match(map, /"~\^\/studio\/" "[^"]*script-src 'self' 'unsafe-inline' 'unsafe-eval'/);
        // stub_status only on the internal listener, never on the public server.
        assert.match(conf, /listen 8081;[\s\S]*location = \/stub_status \{ stub_status; \}/);
        assert.strictEqual(conf.match(/stub_status;/g)!.length, 1);
        const off = renderNginx(spec()).files["/etc/nginx/nginx.conf"];
        assert.ok(!off.includes("stub_status"), "no stub_status without monitoring");
    });

    it("answers its own 400, 413 and 414 as JSON on API routes and HTML on pages, and maintenance likewise", function () {
        const conf = renderNginx(spec({ uploadMb: 25 })).files["/etc/nginx/nginx.conf"];
        const format = /map \$request \$imstack_error_format \{([^}]*)\}/.exec(conf)![1];
        const json = new RegExp(/"~(.*)" json;/.exec(format)![1]);
        for (const line of ["GET /api/me HTTP/1.1", "POST /api/auth/login HTTP/1.1", "GET /ws?token=x HTTP/1.1", "GET /health HTTP/1.1", "GET /api/me%zz HTTP/1.1"]) assert.match(line, json, line);
        for (const line of ["GET / HTTP/1.1", "GET /next/ HTTP/1.1", "GET /apiary HTTP/1.1", "GET /healthz HTTP/1.1", "GARBAGE"]) assert.doesNotMatch(line, json, line);
        for (const status of [400, 413, 414, 503]) {
            assert.match(conf, new RegExp(`error_page ${status}( \\d+)* /_imstack/errors/${status}\\.\\$imstack_error_format;`), `error_page ${status}`);
            const jsonPage = new RegExp(`location = /_imstack/errors/${status}\\.json \\{[^}]*internal;[^}]*default_type application/json;[^}]*return ${status} '(\\{[^']*\\})';`).exec(conf);
            assert.ok(jsonPage, `${status}.json`);
            const body = JSON.parse(jsonPage[1]) as { error: string; message: string };
            assert.ok(body.error && body.message, jsonPage[1]);
            assert.match(conf, new RegExp(`location = /_imstack/errors/${status}\\.html \\{[^}]*internal;`), `${status}.html`);
        }
        assert.match(conf, /error_page 400 494 /, "a header too large is a 400 too");
        assert.match(conf, /"payload_too_large","message":"the request body exceeds the 25 MB upload limit"/);
        assert.match(conf, /location = \/_imstack\/errors\/503\.json \{[^}]*Retry-After "60"[^}]*"error":"maintenance"/);
        const files = renderNginx(spec()).files;
        assert.match(files["/usr/share/nginx/imstack/_imstack/errors/503.html"], /maintenance/i);
        const tls = renderNginx(spec({ tls: { certPath: "/c", keyPath: "/k" } })).files["/etc/nginx/nginx.conf"];
        assert.match(tls, /error_page 400 494 497 /, "plain HTTP sent to the HTTPS port is a 400");
        assert.strictEqual(tls.match(/error_page 413 /g)!.length, 2, "the redirect server answers the same way");
    });

    it("rate-limits with 429 and a tighter zone on /api/auth/", function () {
        const conf = renderNginx(spec()).files["/etc/nginx/nginx.conf"];
        assert.match(conf, /limit_req_status 429;/);
        assert.match(conf, /limit_req_zone \$binary_remote_addr zone=imstack_general:10m rate=20r\/s;/);
        assert.match(conf, /limit_req_zone \$binary_remote_addr zone=imstack_auth:10m rate=30r\/m;/);
        assert.match(conf, /location \/api\/auth\/ \{[\s\S]*?limit_req zone=imstack_auth/);
    });

    it("admits the upload limit plus the multipart framing, and turns gzip on", function () {
        const conf = renderNginx(spec({ uploadMb: 25 })).files["/etc/nginx/nginx.conf"];
        assert.match(conf, new RegExp(`client_max_body_size ${25 * 1024 + MULTIPART_OVERHEAD_KB}k;`));
        assert.match(conf, /gzip on;/);
    });

    it("leaves caching of static files to the apps (one Cache-Control each) and stores no admin page", function () {
        const conf = renderNginx(spec()).files["/etc/nginx/nginx.conf"];
        const body = (loc: string) => locationBody(conf, loc);
        for (const loc of ["/", "/assets/", "/next/_next/static/"]) {
            assert.ok(!/Cache-Control|expires/.test(body(loc)), `${loc} sets its own caching: ${body(loc)}`);
        }
        assert.match(body("/next"), /proxy_hide_header Cache-Control;[\s\S]*add_header Cache-Control "no-store" always;/);
        assert.ok(!/\bexpires\b/.test(conf), "no expires directive (it adds a second Cache-Control)");
    });

    it("with TLS: intermediate ciphers, HTTP redirect, HSTS", function () {
        const r = renderNginx(spec({ tls: { certPath: "/etc/nginx/tls/cert.pem", keyPath: "/etc/nginx/tls/key.pem" } }));
        const conf = r.files["/etc/nginx/nginx.conf"];
        assert.match(conf, /listen 80 default_server;[\s\S]*return 301 https:\/\/\$host\$request_uri;/);
        assert.match(conf, /listen 443 ssl http2 default_server;/);
        assert.match(r.files["/etc/nginx/imstack/snippets/tls.conf"], /ssl_protocols TLSv1\.2 TLSv1\.3;/);
        assert.match(r.files["/etc/nginx/imstack/snippets/security-headers.conf"], /Strict-Transport-Security "max-age=63072000; includeSubDomains" always/);
    });

    it("refuses unsafe values rather than writing them into the config", function () {
        assert.throws(() => renderNginx(spec({ serverName: "x; include /etc/passwd" })), /serverName/);
        assert.throws(() => renderNginx(spec({ uploadMb: 0 })), /uploadMb/);
    });

    describe("nginx -t (Debian bookworm nginx 1.22)", function () {
        before(function () {
            if (!fs.existsSync(NGINX)) {
                if (process.env.CI === "true") throw new Error(`nginx not found at ${NGINX}; run scripts/fetch-nginx.sh`);
                console.log(`      skipped: nginx not found at ${NGINX}; run scripts/fetch-nginx.sh`);
                this.skip();
            }
        });

        for (const stack of ["dev", "prod"]) {
            it(`accepts the ${stack} render exactly as the program uploads it`, async function () {
                const run = await runStack(stackConfig(stack));
                const nginx = run.mocks.container("nginx");
                const files = Object.fromEntries((unwrap(nginx.inputs.uploads) as Array<{ file: string; content: string }>).map((u) => [u.file, u.content]));
                const r = nginxTest(files);
                assert.ok(r.ok, r.output);
            });
        }

        it("accepts the TLS render with a real certificate", async function () {
            const pair = selfSignedPair();
            const run = await runStack(stackConfig("prod", { tls: { mode: "files", certFile: "/c.pem", keyFile: "/k.pem" } }), { "/c.pem": pair.cert, "/k.pem": pair.key });
            const nginx = run.mocks.container("nginx");
            const files = Object.fromEntries((unwrap(nginx.inputs.uploads) as Array<{ file: string; content: string }>).map((u) => [u.file, u.content]));
            assert.ok(files["/etc/nginx/tls/key.pem"].includes("PRIVATE KEY"));
            assert.ok(files["/etc/nginx/nginx.conf"].includes("listen 443 ssl"));
            const r = nginxTest(files);
            assert.ok(r.ok, r.output);
        });

        it("really checks: a broken config fails", function () {
            const files = renderNginx(spec()).files;
            files["/etc/nginx/nginx.conf"] = files["/etc/nginx/nginx.conf"].replace("server_tokens off;", "server_tokens maybe;");
            assert.strictEqual(nginxTest(files).ok, false);
        });
    });
});

describe("nginx proxy headers", function () {
    it("drops the upstreams' copies of the headers the edge sets, so each arrives once", function () {
        const r = renderNginx(spec());
        const proxy = r.files["/etc/nginx/imstack/snippets/proxy.conf"];
        const headers = r.files["/etc/nginx/imstack/snippets/security-headers.conf"];
        for (const m of headers.matchAll(/^add_header (\S+)/gm)) assert.match(proxy, new RegExp(`proxy_hide_header ${m[1]};`), m[1]);
        assert.match(proxy, /proxy_hide_header X-Powered-By;/);
    });
});

describe("nginx access log", function () {
    it("never logs query strings, which carry access tokens", function () {
        const conf = renderNginx(spec()).files["/etc/nginx/nginx.conf"];
        assert.match(conf, /access_log \/dev\/stdout imstack;/);
        const format = conf.slice(conf.indexOf("log_format imstack"), conf.indexOf("access_log"));
        assert.ok(!/\$request\b|\$request_uri|\$args|\$query_string/.test(format), format);
    });
});
