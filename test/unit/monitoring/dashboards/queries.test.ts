// Every panel's PromQL: valid for the real promtool once Grafana's variables are substituted,
// built from monitoring/metrics.ts names only, and the substitution itself.
import { strict as assert } from "assert";
import { panelQueries } from "../../../../monitoring/dashboards";
import { bucketOf, countOf, quantile, series, substitute } from "../../../../monitoring/dashboards/promql";
import * as metrics from "../../../../monitoring/metrics";
import { toYaml } from "../../../../monitoring/prometheus/yaml";
import { missingTool, runTool, skipOrFail } from "../prometheus/tools";

const SUBST = { stack: "dev", rateInterval: "1m" } as const;

const GROUPS = [
    metrics.BACKEND_METRICS, metrics.BACKUP_METRICS, metrics.POSTGRES_METRICS, metrics.REDIS_METRICS,
    metrics.NGINX_METRICS, metrics.OBJECTSTORE_METRICS, metrics.CONTAINER_METRICS, metrics.NODE_METRICS, metrics.TLS_METRICS,
];
const HISTOGRAMS = [metrics.BACKEND_METRICS.httpRequestDuration, metrics.BACKEND_METRICS.s3OperationDuration];
/** The series names a query may select: metrics.ts's, plus the suffixes prom-client gives our histograms. */
const KNOWN_SERIES = new Set<string>([
    metrics.UP,
    ...GROUPS.flatMap((g) => Object.values(g)),
    ...HISTOGRAMS.flatMap((h) => [`${h}_bucket`, `${h}_count`, `${h}_sum`]),
]);
/** Names with an exporter's prefix that are labels, not series. */
const KNOWN_LABELS = new Set<string>([metrics.CONTAINER_SERVICE_LABEL]);
const EXPORTER_PREFIX = /\b(?:imstack|pg|redis|nginx|container|node|nodejs|process|SeaweedFS|probe)_[A-Za-z0-9_:]*/g;

/** One recording rule per query: `promtool check rules` parses each expr with Prometheus's own parser. */
function recordingRules(exprs: readonly string[]): string {
    return toYaml({
        groups: [{ name: "dashboards", rules: exprs.map((expr, i) => ({ record: `imstack_dashboard:query:${i}`, expr })) }],
    });
}

describe("monitoring: dashboard queries", () => {
    const queries = panelQueries(SUBST);

    it("lists every panel's every query, one row each", () => {
        assert.ok(queries.length >= 60, `${queries.length} queries`);
        assert.equal(new Set(queries.map((q) => q.dashboard)).size, 7);
        const key = (q: { dashboard: string; panel: string; expr: string }) => `${q.dashboard}\n${q.panel}\n${q.expr}`;
        assert.equal(new Set(queries.map(key)).size, queries.length, "a query listed twice");
    });

    it("substitutes $stack and $__rate_interval and leaves no Grafana variable", () => {
        for (const q of queries) {
            assert.ok(!q.expr.includes("$"), `${q.dashboard}/${q.panel}: ${q.expr}`);
            assert.ok(q.expr.includes(`${metrics.STACK_LABEL}="${SUBST.stack}"`), `${q.dashboard}/${q.panel}: ${q.expr}`);
        }
        assert.ok(queries.some((q) => q.expr.includes(`[${SUBST.rateInterval}]`)));
        assert.equal(substitute('rate(up{stack="$stack"}[$__rate_interval])', { stack: "prod", rateInterval: "2m" }), 'rate(up{stack="prod"}[2m])');
        assert.throws(() => substitute("up[$__range]", SUBST), /unsubstituted Grafana variable \$__range/);
        assert.throws(() => substitute("up", { stack: 'x"}', rateInterval: "1m" }), /not a stack name/);
        assert.throws(() => substitute("up", { stack: "dev", rateInterval: "1 minute" }), /not a Prometheus duration/);
    });

    it("passes promtool check rules, every query as a recording rule", function () {
        skipOrFail(this, missingTool("promtool"));
        const r = runTool("promtool", ["check", "rules", "dashboards.yml"], { "dashboards.yml": recordingRules(queries.map((q) => q.expr)) });
        assert.equal(r.status, 0, r.output);
        assert.match(r.output, new RegExp(`SUCCESS: ${queries.length} rules found`));
    });

    it("the promtool check rejects a query Prometheus cannot parse (the check can fail)", function () {
        skipOrFail(this, missingTool("promtool"));
        const bad = `${substitute(quantile(0.99, bucketOf(metrics.BACKEND_METRICS.httpRequestDuration), []), SUBST)})`;
        const r = runTool("promtool", ["check", "rules", "dashboards.yml"], { "dashboards.yml": recordingRules([bad]) });
        assert.notEqual(r.status, 0, r.output);
    });

    it("selects only series metrics.ts names, and each query at least one", () => {
        for (const q of queries) {
            const selected = [...q.expr.matchAll(/([A-Za-z_:][A-Za-z0-9_:]*)\{/g)].map((m) => m[1]);
            assert.ok(selected.length >= 1, `${q.dashboard}/${q.panel}: selects nothing: ${q.expr}`);
            for (const name of selected) assert.ok(KNOWN_SERIES.has(name), `${q.dashboard}/${q.panel}: ${name} is not in monitoring/metrics.ts`);
            for (const [name] of q.expr.matchAll(EXPORTER_PREFIX)) {
                assert.ok(KNOWN_SERIES.has(name) || KNOWN_LABELS.has(name), `${q.dashboard}/${q.panel}: unknown name ${name}`);
            }
        }
    });

    it("covers what issue 14 asks each dashboard to show", () => {
        const on = (uid: string) => queries.filter((q) => q.dashboard === uid).map((q) => q.expr).join("\n");
        const B = metrics.BACKEND_METRICS;
        const want: Record<string, string[]> = {
            "imstack-overview": [metrics.UP, countOf(B.httpRequestDuration), bucketOf(B.httpRequestDuration), ...Object.values(metrics.CONTAINER_METRICS), metrics.NODE_METRICS.filesystemAvail],
            "imstack-backend": [countOf(B.httpRequestDuration), bucketOf(B.httpRequestDuration), B.messagesPosted, B.websocketConnections, B.dbPoolConnections, B.dbPoolMax, bucketOf(B.s3OperationDuration), B.nodejsEventloopLag, B.processResidentMemory],
            "imstack-postgres": Object.values(metrics.POSTGRES_METRICS),
            "imstack-redis": Object.values(metrics.REDIS_METRICS),
            "imstack-objectstore": [metrics.UP, ...Object.values(metrics.OBJECTSTORE_METRICS)],
            "imstack-nginx": Object.values(metrics.NGINX_METRICS),
            "imstack-backups": Object.values(metrics.BACKUP_METRICS),
        };
        for (const [uid, names] of Object.entries(want)) {
            for (const n of names) assert.ok(on(uid).includes(`${n}{`), `${uid} does not show ${n}`);
        }
        assert.ok(on("imstack-backend").includes(`by (le, ${metrics.HTTP_LABELS.route})`), "latency by route");
        for (const q of ["0.5", "0.9", "0.99"]) assert.ok(on("imstack-backend").includes(`histogram_quantile(${q},`), `p${q}`);
        assert.ok(on("imstack-overview").includes(`by (${metrics.CONTAINER_SERVICE_LABEL})`), "containers by service");
        assert.ok(on("imstack-objectstore").includes(`job="${metrics.JOBS.objectstore}"`));
        assert.ok(on("imstack-backups").includes(`${metrics.BACKUP_METRICS.clock}{`), "staleness against the job's clock");
    });

    it("builds selectors with the stack matcher first and quoted values", () => {
        assert.equal(series(metrics.UP), 'up{stack="$stack"}');
        assert.equal(series(metrics.REDIS_METRICS.up, { label: "job", op: "=~", value: 'a"b' }), 'redis_up{stack="$stack",job=~"a\\"b"}');
        assert.throws(() => series(metrics.UP, { label: "bad-label", op: "=", value: "x" }), /label name/);
        assert.throws(() => quantile(1, bucketOf(metrics.BACKEND_METRICS.httpRequestDuration), []), /quantile/);
    });
});
