// `promtool test rules` on the rendered alert rules: every alert fires at its threshold once its
// `for` is over, not before, not just under the threshold, and resolves when the condition clears.
// promtool compares annotations too; they are dropped from the copy under test (templates are
// checked by `promtool check rules`), so these cases stay about thresholds and timing.
import { strict as assert } from "assert";
import { parse } from "yaml";
import { ALL_ALERTS, alertRules, renderAlertRules, RULES_FILE } from "../../../../monitoring/prometheus";
import { toYaml, YamlValue } from "../../../../monitoring/prometheus/yaml";
import { ALERT_CASES, AlertCase, Series } from "./alertCases";
import { missingTool, runTool, skipOrFail } from "./tools";

const EVERY = { objectStore: "seaweedfs", tls: { domain: "chat.example.com" } } as const;

function rulesWithoutAnnotations(): string {
    const doc = parse(renderAlertRules(EVERY)) as { groups: Array<{ rules: Array<Record<string, unknown>> }> };
    for (const r of doc.groups[0].rules) delete r.annotations;
    return toYaml(doc as unknown as YamlValue);
}

function severity(alert: string): string {
    const rule = alertRules(EVERY).find((r) => r.alert === alert);
    assert.ok(rule, `no rule ${alert}`);
    return rule.severity;
}

function check(alert: string, time: string, labels?: Record<string, string>): YamlValue {
    return { eval_time: time, alertname: alert, exp_alerts: labels ? [{ exp_labels: { ...labels, severity: severity(alert) } }] : [] };
}

function minutes(t: string): number {
    return Number(t.replace(/m$/, ""));
}

function testFile(c: AlertCase): string {
    const group = (series: Series[], checks: YamlValue[]): YamlValue => ({ interval: "1m", input_series: series.map((s) => ({ ...s })), alert_rule_test: checks });
    const tests: YamlValue[] = [
        group(c.series, [check(c.alert, c.notYet), check(c.alert, c.fires, c.labels), check(c.alert, c.resolved)]),
        ...c.under.map((series) => group(series, [check(c.alert, c.fires), check(c.alert, `${minutes(c.fires) * 2}m`)])),
    ];
    return toYaml({ rule_files: [RULES_FILE], evaluation_interval: "1m", tests });
}

describe("monitoring: alert rules under promtool test rules", () => {
    it("has a case for every alert", () => {
        assert.deepEqual(ALERT_CASES.map((c) => c.alert).sort(), [...ALL_ALERTS].sort());
    });

    for (const c of ALERT_CASES) {
        it(`${c.alert}: fires at ${c.fires}, not at ${c.notYet} nor just under the threshold, resolved at ${c.resolved}`, function () {
            skipOrFail(this, missingTool("promtool"));
            const r = runTool("promtool", ["test", "rules", "cases.yml"], { [RULES_FILE]: rulesWithoutAnnotations(), "cases.yml": testFile(c) });
            assert.equal(r.status, 0, r.output);
        });
    }

    it("fails a case whose expectation is wrong (the harness can fail)", function () {
        skipOrFail(this, missingTool("promtool"));
        const c = ALERT_CASES.find((x) => x.alert === "RedisDown");
        assert.ok(c);
        const wrong: AlertCase = { ...c, fires: c.notYet, notYet: c.fires };
        const r = runTool("promtool", ["test", "rules", "cases.yml"], { [RULES_FILE]: rulesWithoutAnnotations(), "cases.yml": testFile(wrong) });
        assert.notEqual(r.status, 0, r.output);
    });
});
