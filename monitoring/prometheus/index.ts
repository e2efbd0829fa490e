// The Prometheus and Alertmanager renderers: pure functions from typed settings to file contents.
import { renderAlertmanagerConfig, ALERTMANAGER_CONFIG_FILE } from "./alertmanager";
import { renderAlertRules } from "./rules";
import { PROMETHEUS_CONFIG_FILE, renderPrometheusConfig, RULES_FILE } from "./scrape";
import type { AlertmanagerSettings, PrometheusSettings } from "./settings";

export * from "./alertmanager";
export * from "./receivers";
export * from "./rules";
export * from "./scrape";
export * from "./settings";

/** Prometheus's config directory: file name to content (rule_files names the rules file relatively). */
export function renderPrometheusFiles(s: PrometheusSettings): Record<string, string> {
    return { [PROMETHEUS_CONFIG_FILE]: renderPrometheusConfig(s), [RULES_FILE]: renderAlertRules(s) };
}

/** Alertmanager's config directory: file name to content. */
export function renderAlertmanagerFiles(s: AlertmanagerSettings): Record<string, string> {
    return { [ALERTMANAGER_CONFIG_FILE]: renderAlertmanagerConfig(s) };
}
