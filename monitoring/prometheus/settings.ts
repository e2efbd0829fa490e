// What the Prometheus and Alertmanager renderers need to know about a stack: a small typed
// object the MonitoringTier builds from the stack config. Plain data, no Pulumi.
import type { ObjectStoreEngine } from "../../catalogue/objectStores";
import type { AlertReceiver } from "./receivers";

export type { ObjectStoreEngine };

export interface PrometheusSettings {
    stack: string;
    environment: "dev" | "prod";
    /** Backend replicas: one scrape target `backend-<n>` each. */
    backendReplicas: number;
    /** seaweedfs and minio are scraped; an external store is not. */
    objectStore: ObjectStoreEngine;
    /** When set, the blackbox exporter probes https://<domain> and the certificate alert is rendered. */
    tls: { domain: string } | null;
    scrapeIntervalSeconds: number;
    evaluationIntervalSeconds: number;
    retention: Retention;
}

/** Prometheus drops the oldest blocks when either limit is reached. */
export interface Retention {
    days: number;
    /** The TSDB size cap, in MiB (Prometheus's `MB` is 2^20 bytes). */
    sizeMb: number;
}

export interface AlertmanagerSettings<S = unknown> {
    stack: string;
    /** None by default: alerts then stop at Alertmanager (`imctl doctor` says so). */
    receivers: readonly AlertReceiver<S>[];
}

export const DEFAULT_SCRAPE_INTERVAL_SECONDS = 15;
export const DEFAULT_EVALUATION_INTERVAL_SECONDS = 15;
/**
 * 15 days, and a cap well above what the default scrape interval writes in that time (the
 * benchmark measures the per-day figure), so the cap only bites on a misbehaving target.
 */
export const DEFAULT_RETENTION: Retention = { days: 15, sizeMb: 4096 };

function positiveInteger(value: number): boolean {
    return Number.isInteger(value) && value > 0;
}

/** Why these settings cannot be rendered; [] when they can. */
export function prometheusSettingsProblems(s: PrometheusSettings): string[] {
    const out: string[] = [];
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(s.stack)) out.push(`stack name "${s.stack}" is not a plain name`);
    if (!positiveInteger(s.backendReplicas)) out.push(`backend replicas must be a positive integer, got ${s.backendReplicas}`);
    if (!positiveInteger(s.scrapeIntervalSeconds)) out.push(`scrape interval must be a positive number of seconds, got ${s.scrapeIntervalSeconds}`);
    if (!positiveInteger(s.evaluationIntervalSeconds)) out.push(`evaluation interval must be a positive number of seconds, got ${s.evaluationIntervalSeconds}`);
    if (!positiveInteger(s.retention.days)) out.push(`retention days must be a positive integer, got ${s.retention.days}`);
    if (!positiveInteger(s.retention.sizeMb)) out.push(`retention size cap must be a positive number of MiB, got ${s.retention.sizeMb}`);
    if (s.tls && !/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(s.tls.domain)) out.push(`TLS domain "${s.tls.domain}" is not a host name`);
    return out;
}

export function assertPrometheusSettings(s: PrometheusSettings): void {
    const problems = prometheusSettingsProblems(s);
    if (problems.length) throw new Error(`monitoring settings: ${problems.join("; ")}`);
}
