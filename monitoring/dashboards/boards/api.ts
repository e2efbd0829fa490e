// The backend API's three signals (rate, 5xx ratio, latency quantiles), shared by the overview
// and the backend dashboard so both show the same numbers the alert rules judge.
import { BACKEND_METRICS, HTTP_LABELS, JOBS, SERVER_ERROR_STATUS } from "../../metrics";
import { bucketOf, countOf, Matcher, orZero, orZeroLike, quantile, rate, ratio, re, series, sum, jobIs } from "../promql";

const http = BACKEND_METRICS.httpRequestDuration;
export const BACKEND_JOB: Matcher = jobIs(JOBS.backend);
const SERVER_ERROR: Matcher = re(HTTP_LABELS.status, SERVER_ERROR_STATUS);

/** Requests per second, summed over replicas, per `by`. */
export function requestRate(by: readonly string[] = [], ...matchers: readonly Matcher[]): string {
    return sum(by, rate(series(countOf(http), BACKEND_JOB, ...matchers)));
}

/** The share of requests answered 5xx; 0, not empty, while there are none. */
export function serverErrorRatio(): string {
    return ratio(orZero(requestRate([], SERVER_ERROR)), requestRate());
}

/** The share of requests answered 5xx per `by` (a route, say); 0 for those without any. */
export function serverErrorRatioBy(by: readonly string[]): string {
    return ratio(orZeroLike(requestRate(by, SERVER_ERROR), requestRate(by)), requestRate(by));
}

export function latencyQuantile(q: number, by: readonly string[] = []): string {
    return quantile(q, bucketOf(http), by, BACKEND_JOB);
}
