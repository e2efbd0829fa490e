// The monitoring section (the MonitoringTier: Prometheus, Alertmanager, Grafana, exporters) and
// the admin UI switch (Supabase Studio with postgres-meta). Receivers are checked by the same
// rules the renderer and `imctl doctor` use (monitoring/prometheus/receivers.ts).
import { AlertReceiver, DEFAULT_RETENTION, DEFAULT_SCRAPE_INTERVAL_SECONDS, invalidReceivers } from "../../monitoring/prometheus";
import { Reader } from "./reader";
import { AdminUiConfig, MonitoringConfig } from "./types";

const WEBHOOK_KEYS = ["kind", "name", "url", "token", "sendResolved"] as const;
const EMAIL_KEYS = ["kind", "name", "to", "from", "smarthost", "authUsername", "password", "requireTls"] as const;

function readReceiver(r: Reader, key: string): AlertReceiver<string> | undefined {
    const kind = r.oneOf<"webhook" | "email">(`${key}.kind`, ["webhook", "email"], "webhook");
    if (r.get(`${key}.kind`) === undefined) r.problem(`${key}.kind`, "webhook or email", null);
    const name = r.string(`${key}.name`, "", { pattern: /^[A-Za-z0-9][A-Za-z0-9_-]*$/, expected: "a receiver name of letters, digits, - and _" });
    if (kind === "webhook") {
        r.object(key, WEBHOOK_KEYS);
        const token = r.optionalString(`${key}.token`, { expected: `a secret (pulumi config set --secret --path ${key.replace(/^/, "")}.token ...)` });
        return {
            kind, name, url: r.string(`${key}.url`, "", { expected: "the webhook's http(s) URL" }),
            ...(token !== undefined ? { token } : {}),
            sendResolved: r.boolean(`${key}.sendResolved`, true),
        };
    }
    r.object(key, EMAIL_KEYS);
    const authUsername = r.optionalString(`${key}.authUsername`);
    const password = r.optionalString(`${key}.password`, { expected: `a secret (pulumi config set --secret --path ${key}.password ...)` });
    return {
        kind, name,
        to: r.string(`${key}.to`, "", { expected: "one or more email addresses, comma separated" }),
        from: r.string(`${key}.from`, "", { expected: "an email address" }),
        smarthost: r.string(`${key}.smarthost`, "", { expected: "the SMTP server as host:port" }),
        ...(authUsername !== undefined ? { authUsername } : {}),
        ...(password !== undefined ? { password } : {}),
        requireTls: r.boolean(`${key}.requireTls`, true),
    };
}

export function readMonitoring(r: Reader, prod: boolean): MonitoringConfig {
    r.object("monitoring", ["enabled", "retentionDays", "retentionSizeMb", "scrapeIntervalSeconds", "receivers"]);
    const monitoring: MonitoringConfig = {
        enabled: r.boolean("monitoring.enabled", prod),
        retentionDays: r.number("monitoring.retentionDays", DEFAULT_RETENTION.days, 1, 3650, true),
        retentionSizeMb: r.number("monitoring.retentionSizeMb", DEFAULT_RETENTION.sizeMb, 64, 10_485_760, true),
        scrapeIntervalSeconds: r.number("monitoring.scrapeIntervalSeconds", DEFAULT_SCRAPE_INTERVAL_SECONDS, 1, 300, true),
        receivers: [],
    };
    const raw = r.get("monitoring.receivers");
    if (raw !== undefined && raw !== null) {
        if (!Array.isArray(raw)) r.problem("monitoring.receivers", "a list of receivers ({ kind: webhook, name, url } or { kind: email, name, to, from, smarthost })", raw);
        else {
            raw.forEach((_, i) => {
                const receiver = readReceiver(r, `monitoring.receivers.${i}`);
                if (receiver) monitoring.receivers.push(receiver);
            });
            for (const p of invalidReceivers(monitoring.receivers)) r.problems.push(`imstack:monitoring.receivers: ${p}`);
        }
    }
    return monitoring;
}

export function readAdminUi(r: Reader, prod: boolean): AdminUiConfig {
    r.object("adminUi", ["enabled"]);
    return { enabled: r.boolean("adminUi.enabled", !prod) };
}
