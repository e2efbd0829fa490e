// The Grafana files of the monitoring tier: the seven dashboards as JSON, their file provider and
// the Prometheus datasource as provisioning YAML, and every panel's query for the live test.
// Pure and deterministic: the same files on every run, no timestamps, no Pulumi, no Docker.
import { toYaml } from "../prometheus/yaml";
import { BoardSpec, buildBoard, DashboardUid } from "./board";
import { backend } from "./boards/backend";
import { backups } from "./boards/backups";
import { nginxBoard } from "./boards/nginx";
import { objectstore } from "./boards/objectstore";
import { overview } from "./boards/overview";
import { postgres } from "./boards/postgres";
import { redisBoard } from "./boards/redis";
import { DATASOURCE_TYPE, DATASOURCE_UID, QuerySubstitution, substitute } from "./promql";
import type { dashboard } from "./sdk";

export { DASHBOARD_TAG, DASHBOARD_UIDS } from "./board";
export type { DashboardUid } from "./board";
export { DATASOURCE_UID, STACK_VARIABLE } from "./promql";
export type { QuerySubstitution } from "./promql";

/** The Grafana folder the provisioned dashboards land in. */
export const DASHBOARD_FOLDER = "imstack";
/** The file provider's name and the datasource's display name. */
export const DASHBOARD_PROVIDER = "imstack";
export const DATASOURCE_NAME = "Prometheus";

/** The seven boards, in the order Grafana's folder and the links menu list them. */
function specs(): BoardSpec[] {
    return [overview(), backend(), postgres(), redisBoard(), objectstore(), nginxBoard(), backups()];
}

/** Each dashboard's model, freshly built (the SDK's builders are single-use). */
export function buildDashboards(): Array<{ uid: DashboardUid; model: dashboard.Dashboard }> {
    return specs().map((s) => ({ uid: s.uid, model: buildBoard(s) }));
}

/** The dashboard files: `<uid>.json`, two-space JSON with a final newline. */
export function renderDashboards(): Array<{ uid: string; file: string; json: string }> {
    return buildDashboards().map(({ uid, model }) => ({ uid, file: `${uid}.json`, json: `${JSON.stringify(model, null, 2)}\n` }));
}

function absolutePath(dir: string): string {
    if (!dir.startsWith("/") || dir.includes("\n")) throw new Error(`the dashboards directory must be an absolute path: ${JSON.stringify(dir)}`);
    return dir;
}

/**
 * Grafana's dashboard provisioning: one file provider reading `dir` (where renderDashboards()'
 * files are mounted). UI edits are refused and deletions blocked, since the files are the source.
 */
export function dashboardProvisioning(dir: string): string {
    return toYaml({
        apiVersion: 1,
        providers: [{
            name: DASHBOARD_PROVIDER,
            orgId: 1,
            folder: DASHBOARD_FOLDER,
            type: "file",
            disableDeletion: true,
            allowUiUpdates: false,
            options: { path: absolutePath(dir), foldersFromFilesStructure: false },
        }],
    }, "Rendered by imstack (monitoring/dashboards/index.ts); edits are overwritten.");
}

function prometheusUrlProblem(url: string): string | undefined {
    let u: URL;
    try {
        u = new URL(url);
    } catch {
        return "not a URL";
    }
    if (u.protocol !== "http:" && u.protocol !== "https:") return "not http(s)";
    // Never a credential in a provisioning file (it would be readable and logged): none is needed on the monitoring network.
    if (u.username || u.password) return "contains credentials";
    return undefined;
}

/**
 * Grafana's datasource provisioning: the one Prometheus datasource every panel names by uid.
 * `scrapeIntervalSeconds` becomes its timeInterval, from which Grafana derives `$__rate_interval`
 * (four scrape intervals at least), so rates never span fewer than two samples.
 */
export function datasourceProvisioning(prometheusUrl: string, scrapeIntervalSeconds?: number): string {
    const problem = prometheusUrlProblem(prometheusUrl);
    // The URL is not echoed: a rejected one may hold a credential.
    if (problem) throw new Error(`the Prometheus URL is unusable (${problem})`);
    if (scrapeIntervalSeconds !== undefined && !(Number.isInteger(scrapeIntervalSeconds) && scrapeIntervalSeconds > 0)) {
        throw new Error(`scrapeIntervalSeconds must be a positive integer: ${scrapeIntervalSeconds}`);
    }
    return toYaml({
        apiVersion: 1,
        datasources: [{
            name: DATASOURCE_NAME,
            type: DATASOURCE_TYPE,
            uid: DATASOURCE_UID,
            access: "proxy",
            url: prometheusUrl,
            isDefault: true,
            editable: false,
            jsonData: scrapeIntervalSeconds === undefined ? undefined : { timeInterval: `${scrapeIntervalSeconds}s` },
        }],
    }, "Rendered by imstack (monitoring/dashboards/index.ts); edits are overwritten.");
}

/**
 * Every panel's every query as Prometheus would get it from Grafana, `$stack` and
 * `$__rate_interval` replaced: the live test runs each against a real Prometheus.
 */
export function panelQueries(s: QuerySubstitution): Array<{ dashboard: string; panel: string; expr: string }> {
    return buildDashboards().flatMap(({ uid, model }) =>
        (model.panels ?? []).flatMap((p) => {
            const targets = ("targets" in p ? p.targets : undefined) ?? [];
            return targets.map((t) => {
                const expr = (t as { expr?: unknown }).expr;
                if (typeof expr !== "string") throw new Error(`${uid}: panel ${JSON.stringify(p.title)} has a target without a PromQL expr`);
                return { dashboard: uid, panel: p.title ?? "", expr: substitute(expr, s) };
            });
        }));
}
