// From the stack config to what the monitoring renderers take, and which of the monitoring and
// admin services a stack runs: pure, so nginx's upstreams can be known before the tier exists.
import { serviceRows } from "../../catalogue";
import type { AlertmanagerSettings, PrometheusSettings } from "../../monitoring/prometheus";
import { DEFAULT_EVALUATION_INTERVAL_SECONDS } from "../../monitoring/prometheus";
import type { StackConfig } from "../config";

export function prometheusSettings(c: StackConfig): PrometheusSettings {
    return {
        stack: c.stack,
        environment: c.environment,
        backendReplicas: c.app.backend.replicas,
        objectStore: c.objectStore.engine,
        tls: c.tls.mode === "files" ? { domain: c.domain } : null,
        scrapeIntervalSeconds: c.monitoring.scrapeIntervalSeconds,
        evaluationIntervalSeconds: Math.min(DEFAULT_EVALUATION_INTERVAL_SECONDS, c.monitoring.scrapeIntervalSeconds),
        retention: { days: c.monitoring.retentionDays, sizeMb: c.monitoring.retentionSizeMb },
    };
}

export function alertmanagerSettings<S>(c: StackConfig, receivers: AlertmanagerSettings<S>["receivers"]): AlertmanagerSettings<S> {
    return { stack: c.stack, receivers };
}

/** Whether a catalogue row's switch is on in this config (rows without one are the tiers' own business). */
export function switchedOn(c: StackConfig, enabledBy: "monitoring" | "adminUi" | "monitoring+tls" | undefined): boolean {
    switch (enabledBy) {
        case undefined: return true;
        case "monitoring": return c.monitoring.enabled;
        case "monitoring+tls": return c.monitoring.enabled && c.tls.mode === "files";
        case "adminUi": return c.adminUi.enabled;
    }
}

/** The monitoring-tier and admin services this config deploys, in catalogue order. */
export function switchedServices(c: StackConfig): string[] {
    return serviceRows().filter((r) => r.enabledBy !== undefined && switchedOn(c, r.enabledBy)).map((r) => r.name);
}
