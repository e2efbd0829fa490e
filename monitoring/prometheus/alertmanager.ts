// Renders alertmanager.yml. Secrets are never in it: Alertmanager reads the email password from
// `auth_password_file` and a webhook's token from `http_config.authorization.credentials_file`,
// both present in Alertmanager 0.25 (Debian bookworm), at send time.
import { STACK_LABEL } from "../metrics";
import { AlertReceiver, invalidReceivers, NULL_RECEIVER, receiverSecretPath } from "./receivers";
import type { AlertmanagerSettings } from "./settings";
import { toYaml, YamlValue } from "./yaml";

export const ALERTMANAGER_CONFIG_FILE = "alertmanager.yml";
export const ALERTMANAGER_CONFIG_DIR = "/etc/alertmanager";
/** Every configured receiver gets every alert; this one fans out to them. */
export const ALL_RECEIVERS = "imstack";

function integration(r: AlertReceiver): YamlValue {
    const secret = receiverSecretPath(r);
    if (r.kind === "webhook") {
        return {
            url: r.url,
            send_resolved: r.sendResolved ?? true,
            http_config: secret ? { authorization: { type: "Bearer", credentials_file: secret } } : undefined,
        };
    }
    return {
        to: r.to,
        from: r.from,
        smarthost: r.smarthost,
        auth_username: r.authUsername,
        auth_password_file: secret,
        require_tls: r.requireTls ?? true,
        send_resolved: true,
    };
}

export function renderAlertmanagerConfig(s: AlertmanagerSettings): string {
    const problems = invalidReceivers(s.receivers);
    if (problems.length) throw new Error(`alert receivers: ${problems.join("; ")}`);
    const receiver = s.receivers.length ? ALL_RECEIVERS : NULL_RECEIVER;
    const fanOut: YamlValue = {
        name: ALL_RECEIVERS,
        webhook_configs: s.receivers.filter((r) => r.kind === "webhook").map(integration),
        email_configs: s.receivers.filter((r) => r.kind === "email").map(integration),
    };
    const doc: YamlValue = {
        route: {
            receiver,
            group_by: ["alertname", STACK_LABEL],
            group_wait: "30s",
            group_interval: "5m",
            repeat_interval: "4h",
        },
        receivers: s.receivers.length ? [{ name: NULL_RECEIVER }, fanOut] : [{ name: NULL_RECEIVER }],
    };
    return toYaml(doc, `Rendered by imstack (monitoring/prometheus/alertmanager.ts) for stack ${s.stack}; edits are overwritten.`);
}
