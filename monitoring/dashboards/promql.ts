// Typed builders for the dashboards' PromQL. A selector takes only a metric name from
// monitoring/metrics.ts (the MetricName type), so a renamed or retyped metric fails the type
// check, and every selector carries the `stack` matcher, so a Grafana serving several stacks
// never mixes their series.
import {
    BACKEND_METRICS, BACKUP_METRICS, CONTAINER_METRICS, JobName, NGINX_METRICS, NODE_METRICS, OBJECTSTORE_METRICS,
    POSTGRES_METRICS, REDIS_METRICS, STACK_LABEL, TLS_METRICS, UP,
} from "../metrics";

/** The uid of the one Prometheus datasource, provisioned by datasourceProvisioning(). */
export const DATASOURCE_UID = "prometheus";
export const DATASOURCE_TYPE = "prometheus";

/** The dashboard variable that picks the stack; its values are the STACK_LABEL values of `up`. */
export const STACK_VARIABLE = "stack";
export const STACK_VARIABLE_QUERY = `label_values(${UP}, ${STACK_LABEL})`;

/** Grafana's rate window: at least four scrape intervals, whatever the zoom (from the datasource's timeInterval). */
export const RATE_INTERVAL = "$__rate_interval";

/**
 * Label names of the exporters' series that monitoring/metrics.ts names only in comments. They
 * are here so each is written once in the dashboards; they belong in metrics.ts.
 */
export const EXPORTER_LABELS = {
    /** pg_stat_activity_count; imstack_db_pool_connections */
    state: "state",
    /** pg_locks_count */
    mode: "mode",
    /** SeaweedFS_s3_request_total, SeaweedFS_s3_request_seconds_bucket: the S3 action */
    seaweedType: "type",
    /** node_filesystem_* */
    mountpoint: "mountpoint",
    fstype: "fstype",
    /** imstack_s3_operation_duration_seconds */
    operation: "operation",
    /** imstack_s3_operation_duration_seconds, imstack_restores_total */
    outcome: "outcome",
    /** imstack_backup_failures_total */
    reason: "reason",
} as const;

export { PSEUDO_FILESYSTEMS } from "../metrics";

type Values<T> = T[keyof T];

/** Every series name metrics.ts defines, and nothing else. */
export type MetricName =
    | typeof UP
    | Values<typeof BACKEND_METRICS>
    | Values<typeof BACKUP_METRICS>
    | Values<typeof POSTGRES_METRICS>
    | Values<typeof REDIS_METRICS>
    | Values<typeof NGINX_METRICS>
    | Values<typeof OBJECTSTORE_METRICS>
    | Values<typeof CONTAINER_METRICS>
    | Values<typeof NODE_METRICS>
    | Values<typeof TLS_METRICS>;

/** The backend's histograms, by their base name (metrics.ts lists the base name, prom-client adds the suffixes). */
export type HistogramName = typeof BACKEND_METRICS.httpRequestDuration | typeof BACKEND_METRICS.s3OperationDuration;

/** The `_bucket` series histogram_quantile reads: ours by suffix, SeaweedFS's as metrics.ts lists it. */
export type BucketSeries = `${HistogramName}_bucket` | typeof OBJECTSTORE_METRICS.s3RequestSecondsBucket;

/** A series name a selector may use. */
export type SeriesName = MetricName | `${HistogramName}_count` | BucketSeries;

export function bucketOf(h: HistogramName): BucketSeries {
    return `${h}_bucket`;
}

export function countOf(h: HistogramName): SeriesName {
    return `${h}_count`;
}

export type MatchOp = "=" | "!=" | "=~" | "!~";

export interface Matcher {
    readonly label: string;
    readonly op: MatchOp;
    readonly value: string;
}

export const eq = (label: string, value: string): Matcher => ({ label, op: "=", value });
export const ne = (label: string, value: string): Matcher => ({ label, op: "!=", value });
export const re = (label: string, value: string): Matcher => ({ label, op: "=~", value });
export const nre = (label: string, value: string): Matcher => ({ label, op: "!~", value });

/** Prometheus's own target labels. */
export const JOB_LABEL = "job";
export const INSTANCE_LABEL = "instance";

/** `job="<name>"`: one scrape job's series. */
export function jobIs(name: JobName): Matcher {
    return eq(JOB_LABEL, name);
}

/** The matcher every selector starts with: this dashboard's stack. */
export const STACK_MATCHER: Matcher = eq(STACK_LABEL, `$${STACK_VARIABLE}`);

function matcherText(m: Matcher): string {
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(m.label)) throw new Error(`not a Prometheus label name: ${m.label}`);
    return `${m.label}${m.op}${JSON.stringify(m.value)}`;
}

/** `metric{stack="$stack",...}`: the stack matcher first, then the given ones in order. */
export function series(name: SeriesName, ...matchers: readonly Matcher[]): string {
    return `${name}{${[STACK_MATCHER, ...matchers].map(matcherText).join(",")}}`;
}

/** A range selector over Grafana's rate window unless a fixed window is given. */
export function range(selector: string, window: string = RATE_INTERVAL): string {
    return `${selector}[${window}]`;
}

export function rate(selector: string, window?: string): string {
    return `rate(${range(selector, window)})`;
}

export function increase(selector: string, window?: string): string {
    return `increase(${range(selector, window)})`;
}

export function changes(selector: string, window: string): string {
    return `changes(${range(selector, window)})`;
}

type Aggregation = "sum" | "max" | "min" | "avg" | "count";

/** `sum by (a, b) (expr)`, or `sum(expr)` without labels: the result keeps only `by`'s labels. */
export function aggregate(op: Aggregation, by: readonly string[], expr: string): string {
    return by.length === 0 ? `${op}(${expr})` : `${op} by (${by.join(", ")}) (${expr})`;
}

export const sum = (by: readonly string[], expr: string): string => aggregate("sum", by, expr);
export const max = (by: readonly string[], expr: string): string => aggregate("max", by, expr);
export const min = (by: readonly string[], expr: string): string => aggregate("min", by, expr);

/**
 * A label-less aggregate that is 0, not empty, when nothing matches (no 5xx yet, no target
 * down): an empty numerator would make a ratio vanish instead of reading 0.
 */
export function orZero(labelLessExpr: string): string {
    return `(${labelLessExpr} or vector(0))`;
}

/**
 * `expr`, or 0 for each series of `like` it lacks: a per-route 5xx rate that reads 0 on routes
 * without errors instead of leaving them out (`like` must have the same labels as `expr`).
 */
export function orZeroLike(expr: string, like: string): string {
    return `(${expr} or (${like}) * 0)`;
}

/** `a / b`, both sides parenthesised. */
export function ratio(numerator: string, denominator: string): string {
    return `(${numerator}) / (${denominator})`;
}

/** `part / (part + other)`: hit ratios (cache hits against misses or reads). */
export function shareOf(part: string, other: string): string {
    return `(${part}) / ((${part}) + (${other}))`;
}

/**
 * The q-quantile of a histogram over Grafana's rate window, per `by` (le is always kept, as
 * histogram_quantile needs it).
 */
export function quantile(q: number, bucket: BucketSeries, by: readonly string[], ...matchers: readonly Matcher[]): string {
    if (!(q > 0 && q < 1)) throw new Error(`quantile must be in (0, 1): ${q}`);
    return `histogram_quantile(${q}, ${sum(["le", ...by], rate(series(bucket, ...matchers)))})`;
}

/** Grafana's variables a query may contain, and what to put in their place outside Grafana. */
export interface QuerySubstitution {
    /** The stack name, for `$stack`. */
    readonly stack: string;
    /** A Prometheus duration for `$__rate_interval`, e.g. "1m" (Grafana's is at least 4 scrape intervals). */
    readonly rateInterval: string;
}

/** The query as Prometheus would receive it from Grafana; throws if a `$` variable is left. */
export function substitute(expr: string, s: QuerySubstitution): string {
    if (!/^[0-9]+(ms|s|m|h|d|w|y)$/.test(s.rateInterval)) throw new Error(`not a Prometheus duration: ${s.rateInterval}`);
    // It lands inside a double-quoted matcher value.
    if (!/^[A-Za-z0-9._-]+$/.test(s.stack)) throw new Error(`not a stack name: ${JSON.stringify(s.stack)}`);
    const out = expr.split(RATE_INTERVAL).join(s.rateInterval).split(`$${STACK_VARIABLE}`).join(s.stack);
    const left = /\$[A-Za-z_{]+/.exec(out);
    if (left) throw new Error(`unsubstituted Grafana variable ${left[0]} in ${expr}`);
    return out;
}
