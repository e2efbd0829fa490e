// What the trickier panel queries compute, on series fed to the real promtool (`promtool test
// rules` with promql_expr_test): ratios read 0, not "no data", while nothing failed; the backup's
// age is measured against the job's clock; quantiles come from the buckets. The queries are the
// shipped ones, picked by dashboard and panel title, after the same substitution as the live test.
import { strict as assert } from "assert";
import { panelQueries } from "../../../../monitoring/dashboards";
import { BACKEND_METRICS, BACKUP_METRICS, REDIS_METRICS, UP } from "../../../../monitoring/metrics";
import { toYaml, YamlValue } from "../../../../monitoring/prometheus/yaml";
import { missingTool, runTool, skipOrFail } from "../prometheus/tools";

const STACK = "dev";
const SUBST = { stack: STACK, rateInterval: "1m" } as const;
const QUERIES = panelQueries(SUBST);

/** The panel's n-th query (0-based). */
function query(dashboard: string, panel: string, n = 0): string {
    const found = QUERIES.filter((q) => q.dashboard === dashboard && q.panel === panel);
    assert.ok(found[n], `no query ${n} on ${dashboard}/${panel}`);
    return found[n].expr;
}

interface Sample { labels: string; value: number }
interface Input { series: string; values: string }

function sel(name: string, labels: Record<string, string>): string {
    const all = { stack: STACK, ...labels };
    return `${name}{${Object.entries(all).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(",")}}`;
}

/** Runs one promql_expr_test per check at 10m, samples every 15s; passes only if each result is exactly as expected. */
function evaluate(input: Input[], checks: Array<{ expr: string; samples: Sample[] }>): { status: number | null; output: string } {
    const test: YamlValue = {
        interval: "15s",
        input_series: input.map((s) => ({ ...s })),
        promql_expr_test: checks.map((c) => ({
            expr: c.expr, eval_time: "10m",
            exp_samples: c.samples.map((s) => ({ labels: s.labels, value: s.value })),
        })),
    };
    return runTool("promtool", ["test", "rules", "tests.yml"], {
        "empty.yml": toYaml({ groups: [] }),
        "tests.yml": toYaml({ rule_files: ["empty.yml"], evaluation_interval: "15s", tests: [test] }),
    });
}

const count = `${BACKEND_METRICS.httpRequestDuration}_count`;
/** 1 request/s counters: +15 per 15s sample. */
const PER_SECOND = "0+15x60";

describe("monitoring: dashboard query results (promtool test rules)", () => {
    beforeEach(function () {
        skipOrFail(this, missingTool("promtool"));
    });

    it("the 5xx ratios read 0 without errors, and per route 0 on a route without errors", () => {
        const healthy: Input[] = [{ series: sel(count, { job: "backend", route: "/a", status: "200" }), values: PER_SECOND }];
        const r1 = evaluate(healthy, [
            { expr: query("imstack-overview", "API 5xx ratio now"), samples: [{ labels: "{}", value: 0 }] },
            { expr: query("imstack-backend", "5xx ratio by route", 1), samples: [{ labels: '{route="/a"}', value: 0 }] },
        ]);
        assert.equal(r1.status, 0, r1.output);

        const failing: Input[] = [
            ...healthy,
            { series: sel(count, { job: "backend", route: "/a", status: "503" }), values: PER_SECOND },
            { series: sel(count, { job: "backend", route: "/b", status: "200" }), values: PER_SECOND },
        ];
        const r2 = evaluate(failing, [
            { expr: query("imstack-backend", "5xx ratio", 0), samples: [{ labels: "{}", value: 1 / 3 }] },
            { expr: query("imstack-backend", "5xx ratio by route", 1), samples: [{ labels: '{route="/a"}', value: 0.5 }, { labels: '{route="/b"}', value: 0 }] },
        ]);
        assert.equal(r2.status, 0, r2.output);
    });

    it("reads only the chosen stack's series", () => {
        const r = evaluate([
            { series: sel(count, { job: "backend", route: "/a", status: "200" }), values: PER_SECOND },
            { series: sel(count, { job: "backend", route: "/a", status: "500", stack: "other" }), values: PER_SECOND },
        ], [{ expr: query("imstack-overview", "API 5xx ratio now"), samples: [{ labels: "{}", value: 0 }] }]);
        assert.equal(r.status, 0, r.output);
    });

    it("a wrong expectation fails (the harness can fail)", () => {
        const r = evaluate([{ series: sel(count, { job: "backend", route: "/a", status: "200" }), values: PER_SECOND }],
            [{ expr: query("imstack-overview", "API 5xx ratio now"), samples: [{ labels: "{}", value: 0.5 }] }]);
        assert.notEqual(r.status, 0, r.output);
    });

    it("p99 interpolates in the bucket holding the 99th percentile", () => {
        const bucket = `${BACKEND_METRICS.httpRequestDuration}_bucket`;
        const r = evaluate([
            { series: sel(bucket, { job: "backend", route: "/a", status: "200", le: "0.05" }), values: "0+0x60" },
            { series: sel(bucket, { job: "backend", route: "/a", status: "200", le: "0.1" }), values: PER_SECOND },
            { series: sel(bucket, { job: "backend", route: "/a", status: "200", le: "+Inf" }), values: PER_SECOND },
        ], [
            { expr: query("imstack-overview", "API p99 now"), samples: [{ labels: "{}", value: 0.0995 }] },
            { expr: query("imstack-backend", "Latency p99 by route"), samples: [{ labels: '{route="/a"}', value: 0.0995 }] },
        ]);
        assert.equal(r.status, 0, r.output);
    });

    it("the backup's age is the job's clock minus the last success", () => {
        const r = evaluate([
            { series: sel(BACKUP_METRICS.clock, { job: "backup", instance: "backup:9477" }), values: "200000x60" },
            { series: sel(BACKUP_METRICS.lastSuccessTimestamp, { job: "backup", instance: "backup:9477" }), values: "100000x60" },
        ], [{ expr: query("imstack-backups", "Since last success"), samples: [{ labels: "{}", value: 100000 }] }]);
        assert.equal(r.status, 0, r.output);
    });

    it("redis's hit rate is hits over hits plus misses; targets down counts 0 when all are up", () => {
        const r = evaluate([
            { series: sel(REDIS_METRICS.keyspaceHits, { job: "redis" }), values: "0+45x60" },
            { series: sel(REDIS_METRICS.keyspaceMisses, { job: "redis" }), values: PER_SECOND },
            { series: sel(UP, { job: "redis", instance: "redis-exporter:9121" }), values: "1x60" },
        ], [
            { expr: query("imstack-redis", "Keyspace hit rate now"), samples: [{ labels: "{}", value: 0.75 }] },
            { expr: query("imstack-overview", "Targets down"), samples: [{ labels: "{}", value: 0 }] },
            { expr: query("imstack-overview", "Targets up"), samples: [{ labels: "{}", value: 1 }] },
        ]);
        assert.equal(r.status, 0, r.output);
    });
});
