// prometheus.yml and alertmanager.yml as rendered, checked by the real promtool and amtool, plus
// what the tools cannot see: the targets per engine and replica count, the flags, no secret.
import { strict as assert } from "assert";
import { parse } from "yaml";
import {
    ALL_ALERTS, alertRules, AlertReceiver, hasReceivers, NO_RECEIVER_PROBLEM, prometheusArgs, receiverProblems,
    receiverSecretFiles, renderAlertmanagerFiles, renderAlertRules, renderPrometheusConfig, renderPrometheusFiles, runbookUrl,
} from "../../../../monitoring/prometheus";
import { matrix, settings } from "./settings";
import { missingTool, runTool, skipOrFail } from "./tools";

interface ScrapeJob { job_name: string; metrics_path?: string; static_configs: Array<{ targets: string[]; labels: Record<string, string> }> }

function jobs(yml: string): ScrapeJob[] {
    return (parse(yml) as { scrape_configs: ScrapeJob[] }).scrape_configs;
}

const SECRETS = { token: "webhook-token-7f3a9c", password: "smtp-password-e41d02" };
const WEBHOOK: AlertReceiver<string> = { kind: "webhook", name: "ops", url: "https://hooks.example.com/imstack", token: SECRETS.token };
const EMAIL: AlertReceiver<string> = {
    kind: "email", name: "mail", to: "ops@example.com", from: "alerts@example.com", smarthost: "smtp.example.com:587",
    authUsername: "alerts", password: SECRETS.password,
};

describe("monitoring: prometheus.yml", () => {
    for (const { label, s } of matrix()) {
        it(`passes promtool check config with its rules (${label})`, function () {
            skipOrFail(this, missingTool("promtool"));
            const r = runTool("promtool", ["check", "config", "prometheus.yml"], renderPrometheusFiles(s));
            assert.equal(r.status, 0, r.output);
            assert.match(r.output, new RegExp(`SUCCESS: ${alertRules(s).length} rules found`));
        });
    }

    it("passes promtool check rules with every alert", function () {
        skipOrFail(this, missingTool("promtool"));
        const rules = renderAlertRules({ objectStore: "seaweedfs", tls: { domain: "chat.example.com" } });
        const r = runTool("promtool", ["check", "rules", "alerts.yml"], { "alerts.yml": rules });
        assert.equal(r.status, 0, r.output);
        assert.match(r.output, new RegExp(`SUCCESS: ${ALL_ALERTS.length} rules found`));
    });

    it("scrapes one backend target per replica on the metrics port, never the app port", () => {
        const backend = jobs(renderPrometheusConfig(settings({ backendReplicas: 3 }))).find((j) => j.job_name === "backend");
        assert.deepEqual(backend?.static_configs[0].targets, ["backend-1:9464", "backend-2:9464", "backend-3:9464"]);
        assert.ok(!renderPrometheusConfig(settings({ backendReplicas: 3 })).includes(":4000"));
    });

    it("scrapes the object store per engine, and nothing for an external one", () => {
        const store = (engine: "seaweedfs" | "minio" | "external") => jobs(renderPrometheusConfig(settings({ objectStore: engine }))).find((j) => j.job_name === "objectstore");
        assert.deepEqual(store("seaweedfs")?.static_configs[0].targets, ["seaweedfs:9324"]);
        assert.equal(store("minio")?.metrics_path, "/minio/v2/metrics/cluster");
        assert.deepEqual(store("minio")?.static_configs[0].targets, ["minio:9000"]);
        assert.equal(store("external"), undefined);
        assert.ok(!alertRules({ objectStore: "external", tls: null }).some((r) => r.alert === "ObjectStoreDown"));
    });

    it("probes TLS and renders the certificate alert only when TLS is on", () => {
        const on = settings({ tls: { domain: "chat.example.com" } });
        assert.deepEqual(jobs(renderPrometheusConfig(on)).find((j) => j.job_name === "tls")?.static_configs[0].targets, ["https://chat.example.com"]);
        assert.ok(alertRules(on).some((r) => r.alert === "TLSCertificateExpiring"));
        assert.equal(jobs(renderPrometheusConfig(settings())).find((j) => j.job_name === "tls"), undefined);
        assert.ok(!alertRules(settings()).some((r) => r.alert === "TLSCertificateExpiring"));
    });

    it("labels every job with the stack and uses the configured intervals", () => {
        const doc = parse(renderPrometheusConfig(settings({ stack: "prod", scrapeIntervalSeconds: 30 }))) as { global: Record<string, unknown> };
        assert.equal(doc.global.scrape_interval, "30s");
        for (const j of jobs(renderPrometheusConfig(settings({ stack: "prod", tls: { domain: "a.example.com" } })))) {
            assert.equal(j.static_configs[0].labels.stack, "prod", j.job_name);
        }
    });

    it("gives retention as Prometheus flags", () => {
        const args = prometheusArgs(settings({ retention: { days: 30, sizeMb: 2048 } }));
        assert.ok(args.includes("--storage.tsdb.retention.time=30d"));
        assert.ok(args.includes("--storage.tsdb.retention.size=2048MB"));
        assert.ok(args.includes("--config.file=/etc/prometheus/prometheus.yml"));
    });

    it("refuses settings it cannot render", () => {
        assert.throws(() => renderPrometheusConfig(settings({ backendReplicas: 0 })), /backend replicas/);
        assert.throws(() => renderPrometheusConfig(settings({ retention: { days: 15, sizeMb: 0 } })), /size cap/);
        assert.throws(() => renderPrometheusConfig(settings({ tls: { domain: "x y" } })), /TLS domain/);
    });

    it("links every alert to its runbook section", () => {
        const doc = parse(renderAlertRules({ objectStore: "minio", tls: { domain: "a.example.com" } })) as { groups: Array<{ rules: Array<{ alert: string; for: string; labels: { severity: string }; annotations: Record<string, string> }> }> };
        const rules = doc.groups[0].rules;
        assert.deepEqual(rules.map((r) => r.alert).sort(), [...ALL_ALERTS].sort());
        for (const r of rules) {
            assert.equal(r.annotations.runbook_url, `https://github.com/imstack/imstack/blob/main/docs/operations.md#alert-${r.alert.toLowerCase()}`);
            assert.equal(runbookUrl(r.alert), r.annotations.runbook_url);
            assert.ok(r.annotations.summary && r.annotations.description && r.for && r.labels.severity, r.alert);
        }
    });
});

describe("monitoring: alertmanager.yml", () => {
    const cases: Array<[string, AlertReceiver<string>[]]> = [["no receiver", []], ["a webhook", [WEBHOOK]], ["an email", [EMAIL]], ["both", [WEBHOOK, EMAIL]]];
    for (const [label, receivers] of cases) {
        it(`passes amtool check-config with ${label}`, function () {
            skipOrFail(this, missingTool("amtool"));
            const r = runTool("amtool", ["check-config", "alertmanager.yml"], renderAlertmanagerFiles({ stack: "prod", receivers }));
            assert.equal(r.status, 0, r.output);
        });

        it(`holds no secret value with ${label}`, () => {
            const rendered = Object.values(renderAlertmanagerFiles({ stack: "prod", receivers })).join("\n");
            for (const secret of Object.values(SECRETS)) assert.ok(!rendered.includes(secret), `${label}: a secret is in alertmanager.yml`);
        });
    }

    it("routes to the null receiver when none is configured, and says so for imctl doctor", () => {
        const doc = parse(renderAlertmanagerFiles({ stack: "dev", receivers: [] })["alertmanager.yml"]) as { route: { receiver: string }; receivers: Array<{ name: string }> };
        assert.equal(doc.route.receiver, "null");
        assert.deepEqual(doc.receivers, [{ name: "null" }]);
        assert.equal(hasReceivers([]), false);
        assert.deepEqual(receiverProblems([]), [NO_RECEIVER_PROBLEM]);
        assert.deepEqual(receiverProblems([WEBHOOK, EMAIL]), []);
    });

    it("points Alertmanager at the secret files and hands the values only to them", () => {
        const yml = renderAlertmanagerFiles({ stack: "prod", receivers: [WEBHOOK, EMAIL] })["alertmanager.yml"];
        assert.match(yml, /credentials_file: "\/run\/secrets\/alertmanager-ops-token"/);
        assert.match(yml, /auth_password_file: "\/run\/secrets\/alertmanager-mail-password"/);
        assert.deepEqual(receiverSecretFiles([WEBHOOK, EMAIL]), [
            { path: "/run/secrets/alertmanager-ops-token", value: SECRETS.token },
            { path: "/run/secrets/alertmanager-mail-password", value: SECRETS.password },
        ]);
    });

    it("refuses receivers it cannot render, without echoing a credential", () => {
        const leaky: AlertReceiver<string> = { ...WEBHOOK, url: "https://user:hunter2@hooks.example.com/x" };
        assert.throws(() => renderAlertmanagerFiles({ stack: "prod", receivers: [leaky] }), (e: Error) => /must not carry credentials/.test(e.message) && !e.message.includes("hunter2"));
        assert.throws(() => renderAlertmanagerFiles({ stack: "prod", receivers: [WEBHOOK, WEBHOOK] }), /used twice/);
        assert.throws(() => renderAlertmanagerFiles({ stack: "prod", receivers: [{ ...EMAIL, password: undefined }] }), /go together/);
        assert.throws(() => renderAlertmanagerFiles({ stack: "prod", receivers: [{ ...WEBHOOK, name: "null" }] }), /reserved/);
    });
});
