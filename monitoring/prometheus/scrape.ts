// Renders prometheus.yml: one scrape job per target of the design (monitoring/metrics.ts), the
// rule file beside it, the Alertmanager target, and the `stack` label on every series. Also the
// command line, since retention is a flag of Prometheus, not a config field.
import { backendTarget, JOBS, JobName, OBJECTSTORE_TARGETS, STACK_LABEL, TargetAddress, TARGETS } from "../metrics";
import { assertPrometheusSettings, PrometheusSettings } from "./settings";
import { toYaml, YamlValue } from "./yaml";

/** File names inside Prometheus's config directory; rule_files is relative to prometheus.yml. */
export const PROMETHEUS_CONFIG_FILE = "prometheus.yml";
export const RULES_FILE = "alerts.yml";
/** In-container paths of the official image (prom/prometheus). */
export const PROMETHEUS_CONFIG_DIR = "/etc/prometheus";
export const PROMETHEUS_DATA_DIR = "/prometheus";
/** The blackbox exporter's module for the TLS probe (its config must define it). */
export const BLACKBOX_TLS_MODULE = "http_2xx";

function address(t: TargetAddress): string {
    return `${t.host}:${t.port}`;
}

interface Job {
    name: JobName;
    targets: readonly TargetAddress[];
}

/** The jobs this stack scrapes, in prometheus.yml's order. */
export function scrapeJobs(s: PrometheusSettings): Job[] {
    const replicas = Array.from({ length: s.backendReplicas }, (_, i) => backendTarget(i + 1));
    const jobs: Job[] = [
        { name: JOBS.prometheus, targets: [TARGETS.prometheus] },
        { name: JOBS.alertmanager, targets: [TARGETS.alertmanager] },
        { name: JOBS.backend, targets: replicas },
        { name: JOBS.backup, targets: [TARGETS.backup] },
        { name: JOBS.postgres, targets: [TARGETS.postgres] },
        { name: JOBS.redis, targets: [TARGETS.redis] },
        { name: JOBS.nginx, targets: [TARGETS.nginx] },
    ];
    if (s.objectStore !== "external") jobs.push({ name: JOBS.objectstore, targets: [OBJECTSTORE_TARGETS[s.objectStore]] });
    jobs.push({ name: JOBS.containers, targets: [TARGETS.containers] }, { name: JOBS.node, targets: [TARGETS.node] });
    return jobs;
}

function staticJob(job: Job, stack: string): YamlValue {
    const path = job.targets[0]?.metricsPath;
    return {
        job_name: job.name,
        metrics_path: path,
        static_configs: [{ targets: job.targets.map(address), labels: { [STACK_LABEL]: stack } }],
    };
}

/** The blackbox exporter probes the public name; `instance` keeps the probed URL, not the exporter. */
function tlsJob(domain: string, stack: string): YamlValue {
    return {
        job_name: JOBS.tls,
        metrics_path: "/probe",
        params: { module: [BLACKBOX_TLS_MODULE] },
        static_configs: [{ targets: [`https://${domain}`], labels: { [STACK_LABEL]: stack } }],
        relabel_configs: [
            { source_labels: ["__address__"], target_label: "__param_target" },
            { source_labels: ["__param_target"], target_label: "instance" },
            { target_label: "__address__", replacement: address(TARGETS.blackbox) },
        ],
    };
}

export function renderPrometheusConfig(s: PrometheusSettings): string {
    assertPrometheusSettings(s);
    const jobs: YamlValue[] = scrapeJobs(s).map((j) => staticJob(j, s.stack));
    if (s.tls) jobs.push(tlsJob(s.tls.domain, s.stack));
    const doc: YamlValue = {
        global: {
            scrape_interval: `${s.scrapeIntervalSeconds}s`,
            evaluation_interval: `${s.evaluationIntervalSeconds}s`,
            // Sent with alerts, so a shared receiver can tell stacks apart.
            external_labels: { [STACK_LABEL]: s.stack, environment: s.environment },
        },
        rule_files: [RULES_FILE],
        alerting: { alertmanagers: [{ static_configs: [{ targets: [address(TARGETS.alertmanager)] }] }] },
        scrape_configs: jobs,
    };
    return toYaml(doc, `Rendered by imstack (monitoring/prometheus/scrape.ts) for stack ${s.stack}; edits are overwritten.`);
}

/**
 * Prometheus's command line. Retention is only settable here; the official image's default
 * command is replaced, so its config and data paths are given again.
 */
export function prometheusArgs(s: PrometheusSettings): string[] {
    assertPrometheusSettings(s);
    return [
        `--config.file=${PROMETHEUS_CONFIG_DIR}/${PROMETHEUS_CONFIG_FILE}`,
        `--storage.tsdb.path=${PROMETHEUS_DATA_DIR}`,
        `--storage.tsdb.retention.time=${s.retention.days}d`,
        `--storage.tsdb.retention.size=${s.retention.sizeMb}MB`,
    ];
}
