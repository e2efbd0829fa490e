// The monitoring tier in the whole stack under recording mocks: nothing published in prod, the
// internal monitoring network, no nginx route to Prometheus/Alertmanager/exporters, credentials
// as 0400 files, least-privilege logins, and prometheus.yml's targets reachable by alias.
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { serviceRows } from "../../../catalogue";
import { isSecretValue, plainParts, Recorded, unwrap } from "../helpers/recordingMocks";
import { envList, secretFilesOf } from "../helpers/secretFiles";
import { MockRun, runStack } from "../helpers/runStack";
import { stackConfig } from "../helpers/stackFiles";

type Port = { internal: number; external: number; ip: string };
type Net = { name: string; aliases: string[] };
type Label = { label: string; value: string };
const SWITCHED = serviceRows().filter((r) => r.enabledBy !== undefined).map((r) => r.name);

const ports = (c: Recorded) => (unwrap(c.inputs.ports) as Port[] | undefined) ?? [];
const nets = (c: Recorded) => (unwrap(c.inputs.networksAdvanced) as Net[] | undefined) ?? [];
const svcOf = (c: Recorded) => (unwrap(c.inputs.labels) as Label[]).find((l) => l.label === "com.imstack.service")?.value ?? "";
const uploads = (c: Recorded) => (unwrap(c.inputs.uploads) as Array<{ file: string; content: string }> | undefined) ?? [];

describe("monitoring tier (prod stack, whole program)", function () {
    let run: MockRun;
    before(async function () {
        run = await runStack(stackConfig("prod", { monitoring: { receivers: [{ kind: "webhook", name: "ops", url: "https://hooks.example.com/x", token: "tok-SECRET-1234567" }] } }));
    });

    it("publishes no port of any monitoring or admin container, and the monitoring network is internal", function () {
        const mon = run.mocks.containers().filter((c) => SWITCHED.includes(svcOf(c)));
        assert.ok(mon.length >= 8, `monitoring containers: ${mon.map(svcOf).join(", ")}`);
        for (const c of mon) assert.deepStrictEqual(ports(c), [], `${svcOf(c)} publishes`);
        const net = run.mocks.byType("docker:index/network:Network").find((n) => n.inputs.name === "imstack-prod-monitoring");
        assert.ok(net, "no monitoring network");
        assert.strictEqual(net.inputs.internal, true);
        for (const svc of ["prometheus", "postgres-exporter", "redis-exporter", "node-exporter", "cadvisor"]) {
            const row = serviceRows().find((r) => r.name === svc)!;
            assert.deepStrictEqual(nets(run.mocks.container(svc)).map((n) => n.name).sort(), row.networks.map((n) => `imstack-prod-${n}`).sort(), svc);
        }
    });

    it("routes only /grafana/ through nginx, never Prometheus, Alertmanager or an exporter", function () {
        const conf = uploads(run.mocks.container("nginx")).find((u) => u.file === "/etc/nginx/nginx.conf")!.content;
        assert.match(conf, /location \/grafana\//);
        assert.doesNotMatch(conf, /location [^{]*\/metrics/);
        assert.doesNotMatch(conf, /location [^{]*\/studio\//, "admin UI is off in prod");
        for (const port of [9090, 9093, 9464, 9477, 9187, 9121, 9113]) assert.ok(!conf.includes(`:${port}`), `nginx.conf reaches port ${port}`);
        assert.doesNotMatch(conf, /cadvisor|prometheus|alertmanager/);
    });

    it("gives Grafana its admin password only as a 0400 __FILE, and the outputs are secret", async function () {
        const g = run.mocks.container("grafana");
        assert.ok(envList(g).includes("GF_SECURITY_ADMIN_PASSWORD__FILE=/run/secrets/gf-security-admin-password"), envList(g).join(" "));
        assert.ok(!envList(g).some((e) => e.startsWith("GF_SECURITY_ADMIN_PASSWORD=")));
        const up = (unwrap(g.inputs.uploads) as Array<{ file: string; permissions?: string; owner?: string }>).find((u) => u.file === "/run/secrets/gf-security-admin-password");
        assert.deepStrictEqual([up?.permissions, up?.owner], ["0400", "472"]);
        assert.ok(run.stack.grafanaAdminPassword, "no grafanaAdminPassword output");
        assert.strictEqual(await pulumi.isSecret(run.stack.grafanaAdminPassword!), true);
        assert.strictEqual(await pulumi.isSecret(run.stack.monitoringUrls!), false);
        for (const r of run.mocks.resources) {
            const visible = JSON.stringify(plainParts(r.inputs));
            for (const s of [...run.mocks.generatedSecrets, "tok-SECRET-1234567"]) assert.ok(!visible.includes(s), `${r.type} ${r.name} shows a secret`);
        }
    });

    it("puts the receiver token in a 0400 file of uid 65534, never in alertmanager.yml", function () {
        const am = run.mocks.container("alertmanager");
        const all = unwrap(am.inputs.uploads) as Array<{ file: string; content: string; permissions?: string; owner?: string }>;
        const yml = all.find((u) => u.file === "/etc/alertmanager/alertmanager.yml")!.content;
        assert.ok(!yml.includes("tok-SECRET"), "token in alertmanager.yml");
        assert.match(yml, /credentials_file: "\/run\/secrets\/alertmanager-ops-token"/);
        const f = all.find((u) => u.file === "/run/secrets/alertmanager-ops-token")!;
        assert.deepStrictEqual([f.content, f.permissions, f.owner], ["tok-SECRET-1234567", "0400", "65534"]);
        const raw = am.inputs.uploads;
        const secretSomewhere = isSecretValue(raw) || (raw as unknown[]).some((u) => isSecretValue(u) || isSecretValue((u as Record<string, unknown>).content));
        assert.ok(secretSomewhere, "token upload is not a secret");
    });

    it("logs the exporters in with least privilege", function () {
        const pg = run.mocks.container("postgres-exporter");
        assert.ok(envList(pg).includes("DATA_SOURCE_USER=imstack_monitor"));
        const pf = secretFilesOf(run.mocks, pg).get("DATA_SOURCE_PASS");
        assert.ok(pf && pf.secret && pf.permissions === "0400");
        const rd = run.mocks.container("redis-exporter");
        assert.ok(envList(rd).includes("REDIS_USER=imstack-monitor"));
        const rf = secretFilesOf(run.mocks, rd).get("REDIS_PASSWORD")!;
        const doc = JSON.parse(rf.value) as Record<string, string>;
        assert.deepStrictEqual(Object.keys(doc), ["redis://redis:6379"]);
        assert.ok(run.mocks.generatedSecrets.includes(doc["redis://redis:6379"]));
        const conf = uploads(run.mocks.container("redis"))[0].content;
        assert.match(conf, /^user imstack-monitor on >\S+ resetkeys resetchannels -@all \+ping \+info/m);
        assert.doesNotMatch(conf.split("\n").find((l) => l.startsWith("user imstack-monitor"))!, /\+@|\+get |\+set |~\*/);
        const sql = String(unwrap(run.mocks.byType("command:local:Command")[0].inputs.stdin));
        const monitorGrants = sql.split("\n").filter((l) => /^GRANT .* TO imstack_monitor;$/.test(l));
        assert.deepStrictEqual(monitorGrants, ["GRANT pg_monitor TO imstack_monitor;", "GRANT CONNECT ON DATABASE imstack TO imstack_monitor;"]);
        assert.match(sql, /ALTER ROLE imstack_monitor WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION/);
        assert.match(sql, /ALTER ROLE imstack_studio WITH NOLOGIN PASSWORD NULL;/, "studio role cannot log in with the admin UI off");
    });

    it("puts every prometheus.yml target on the monitoring network under its alias", function () {
        const prom = run.mocks.container("prometheus");
        const yml = parse(uploads(prom).find((u) => u.file === "/etc/prometheus/prometheus.yml")!.content) as { scrape_configs: Array<{ static_configs: Array<{ targets: string[] }> }> };
        const aliases = new Set(run.mocks.containers().flatMap((c) => nets(c).filter((n) => n.name === "imstack-prod-monitoring").flatMap((n) => n.aliases)));
        const hosts = yml.scrape_configs.flatMap((j) => j.static_configs.flatMap((s) => s.targets)).map((t) => t.split(":")[0]);
        assert.ok(hosts.includes("backend-1") && hosts.includes("backend-2") && hosts.includes("backup") && hosts.includes("seaweedfs"), hosts.join(" "));
        for (const h of hosts) if (h !== "localhost") assert.ok(aliases.has(h), `${h} is no alias on the monitoring network`);
        for (const b of run.mocks.containers().filter((c) => svcOf(c) === "backend")) assert.ok(envList(b).some((e) => e.startsWith("METRICS_PORT=")));
    });

    it("limits every monitoring container's memory, passes retention to Prometheus, no blackbox without TLS", function () {
        for (const c of run.mocks.containers().filter((x) => SWITCHED.includes(svcOf(x)))) assert.ok(Number(c.inputs.memory) > 0, `${svcOf(c)} has no memory limit`);
        const cmd = unwrap(run.mocks.container("prometheus").inputs.command) as string[];
        assert.ok(cmd.includes("--storage.tsdb.retention.time=15d") && cmd.includes("--storage.tsdb.retention.size=4096MB"), cmd.join(" "));
        assert.ok(!run.mocks.containers().some((c) => svcOf(c) === "blackbox-exporter"));
    });
});

describe("monitoring tier (dev stack with monitoring on)", function () {
    let run: MockRun;
    before(async function () {
        run = await runStack(stackConfig("dev", { monitoring: { enabled: true } }));
    });

    it("publishes Prometheus, Alertmanager and Studio on 127.0.0.1 only; only nginx on 0.0.0.0", function () {
        assert.deepStrictEqual(ports(run.mocks.container("prometheus")).map((p) => [p.ip, p.external]), [["127.0.0.1", 9090]]);
        assert.deepStrictEqual(ports(run.mocks.container("alertmanager")).map((p) => [p.ip, p.external]), [["127.0.0.1", 9093]]);
        assert.deepStrictEqual(ports(run.mocks.container("studio")).map((p) => [p.ip, p.external]), [["127.0.0.1", 3001]]);
        for (const c of run.mocks.containers()) for (const p of ports(c)) if (p.ip !== "127.0.0.1") assert.strictEqual(svcOf(c), "nginx");
    });
});

describe("dev stack with monitoring off", function () {
    it("gives the backend no METRICS_PORT and runs no monitoring container", async function () {
        const run = await runStack(stackConfig("dev"));
        for (const b of run.mocks.containers().filter((c) => svcOf(c) === "backend")) assert.ok(!envList(b).some((e) => e.startsWith("METRICS_PORT=")));
        assert.ok(!run.mocks.containers().some((c) => ["prometheus", "grafana", "alertmanager"].includes(svcOf(c))));
    });
});

describe("MonitoringTier on its own under mocks", function () {
    async function build(tls: boolean) {
        const { MonitoringTier } = await import("../../../components/monitoring/monitoringTier");
        const { RecordingMocks, settled } = await import("../helpers/recordingMocks");
        const mocks = new RecordingMocks();
        await pulumi.runtime.setMocks(mocks, "imstack", "t", false);
        const base = stackConfig("prod");
        const config = { ...base, tls: tls ? { ...base.tls, mode: "files" as const } : base.tls };
        const tier = new MonitoringTier("t-monitoring", {
            placement: { stack: "t", networks: { data: "t-data", edge: "t-edge", monitoring: "t-monitoring" }, healthTimeoutSeconds: 60, publish: false, build: { projectDir: "/x", nodeImage: "node", buildArgs: {} } },
            config, images: config.images, ports: config.ports, resources: config.resources, receivers: [],
            secrets: { postgresMonitorPassword: pulumi.secret("pm-direct"), redisMonitorPassword: pulumi.secret("rm-direct"), grafanaAdminPassword: pulumi.secret("ga-direct") },
            after: { postgres: [], redis: [], nginx: [] },
        });
        await settled(...Object.values(tier.containers).map((c) => c.name));
        return mocks;
    }

    it("runs the blackbox exporter only with TLS, and publishes nothing without publish", async function () {
        const off = await build(false);
        assert.ok(!off.containers().some((c) => svcOf(c) === "blackbox-exporter"));
        for (const c of off.containers()) assert.deepStrictEqual(ports(c), [], svcOf(c));
        const on = await build(true);
        assert.ok(on.containers().some((c) => svcOf(c) === "blackbox-exporter"), "no blackbox exporter with TLS");
        const visible = JSON.stringify(on.resources.map((r) => plainParts(r.inputs)));
        for (const s of ["pm-direct", "rm-direct", "ga-direct"]) assert.ok(!visible.includes(s), `${s} in plain inputs`);
    });
});
