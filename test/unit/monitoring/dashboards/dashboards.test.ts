// The seven dashboards as rendered: stable uids and files, JSON that round-trips to the SDK's
// model, and every panel on the provisioned datasource with a title, a place on the grid and
// at least one query, each query scoped to the `$stack` variable.
import { strict as assert } from "assert";
import {
    buildDashboards, DASHBOARD_TAG, DASHBOARD_UIDS, DATASOURCE_UID, renderDashboards, STACK_VARIABLE,
} from "../../../../monitoring/dashboards";
import { buildBoard } from "../../../../monitoring/dashboards/board";
import { timeseriesPanel } from "../../../../monitoring/dashboards/panels";
import { STACK_VARIABLE_QUERY } from "../../../../monitoring/dashboards/promql";
import type { dashboard } from "../../../../monitoring/dashboards/sdk";
import { STACK_LABEL, UP } from "../../../../monitoring/metrics";

const EXPECTED_UIDS = [
    "imstack-overview", "imstack-backend", "imstack-postgres", "imstack-redis",
    "imstack-objectstore", "imstack-nginx", "imstack-backups",
];

interface Target { datasource?: { uid?: string; type?: string }; expr?: string; refId?: string }

function panelsOf(d: dashboard.Dashboard): dashboard.Panel[] {
    // No rows are used, so every entry is a Panel (a RowPanel would have type "row").
    return (d.panels ?? []).map((p) => {
        assert.notEqual(p.type, "row", `${d.uid}: unexpected row`);
        return p as dashboard.Panel;
    });
}

/**
 * The model without the SDK's variant markers: cog types each query with a function-valued
 * `_implementsDataqueryVariant` so TypeScript can tell query kinds apart; it is not data, and
 * JSON drops it. Nothing else is removed, so any other non-JSON value fails the round trip.
 */
function withoutVariantMarkers(v: unknown): unknown {
    if (Array.isArray(v)) return v.map(withoutVariantMarkers);
    if (v === null || typeof v !== "object") return v;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
        if (k === "_implementsDataqueryVariant" && typeof x === "function") continue;
        out[k] = withoutVariantMarkers(x);
    }
    return out;
}

function targetsOf(p: dashboard.Panel): Target[] {
    return (p.targets ?? []) as Target[];
}

describe("monitoring: dashboards", () => {
    it("renders the seven dashboards, in order, each to <uid>.json, with stable unique uids", () => {
        const files = renderDashboards();
        assert.deepEqual(files.map((f) => f.uid), EXPECTED_UIDS);
        assert.deepEqual(Object.values(DASHBOARD_UIDS), EXPECTED_UIDS);
        assert.deepEqual(files.map((f) => f.file), EXPECTED_UIDS.map((u) => `${u}.json`));
        for (const f of files) assert.equal((JSON.parse(f.json) as { uid: string }).uid, f.uid);
        assert.equal(new Set(files.map((f) => f.uid)).size, files.length);
    });

    it("renders the same bytes every time (no timestamps, no generated ids)", () => {
        assert.deepEqual(renderDashboards(), renderDashboards());
        for (const f of renderDashboards()) {
            assert.ok(!/"(id|version)": null/.test(f.json), f.uid);
            assert.ok(!/20\d\d-\d\d-\d\dT/.test(f.json), `${f.uid} holds a timestamp`);
        }
    });

    it("round-trips: each file parses back to exactly the model the SDK's builders made", () => {
        const models = buildDashboards();
        renderDashboards().forEach((f, i) => {
            assert.deepStrictEqual(JSON.parse(f.json), withoutVariantMarkers(models[i].model), f.uid);
            assert.ok(f.json.endsWith("}\n"));
        });
    });

    it("has the SDK dashboard's shape: schemaVersion, read-only, the imstack tag, panels on the grid", () => {
        for (const { uid, model } of buildDashboards()) {
            const m: dashboard.Dashboard = model;
            assert.equal(typeof m.schemaVersion, "number", uid);
            assert.ok(m.schemaVersion >= 36, `${uid}: schemaVersion ${m.schemaVersion}`);
            assert.equal(m.editable, false, uid);
            assert.deepEqual(m.tags, [DASHBOARD_TAG], uid);
            assert.ok(m.title?.startsWith("imstack: "), uid);
            const panels = panelsOf(m);
            assert.ok(panels.length >= 3, `${uid}: ${panels.length} panels`);
            assert.deepEqual(panels.map((p) => p.id), panels.map((_, i) => i + 1), `${uid}: panel ids`);
            for (const p of panels) {
                const g = p.gridPos;
                assert.ok(g, `${uid}/${p.title}: no gridPos`);
                for (const k of ["x", "y", "w", "h"] as const) assert.ok(Number.isInteger(g[k]) && g[k] >= 0, `${uid}/${p.title}: gridPos.${k}`);
                assert.ok(g.w > 0 && g.h > 0 && g.x + g.w <= 24, `${uid}/${p.title}: gridPos ${JSON.stringify(g)}`);
                assert.ok(["timeseries", "stat"].includes(p.type), `${uid}/${p.title}: type ${p.type}`);
                assert.equal(typeof p.fieldConfig?.defaults?.unit, "string", `${uid}/${p.title}: no unit`);
            }
            // No two panels overlap.
            const cells = new Set<string>();
            for (const p of panels) {
                const g = p.gridPos!;
                for (let x = g.x; x < g.x + g.w; x++) for (let y = g.y; y < g.y + g.h; y++) {
                    const c = `${x},${y}`;
                    assert.ok(!cells.has(c), `${uid}/${p.title}: overlaps at ${c}`);
                    cells.add(c);
                }
            }
        }
    });

    it("gives every panel a title, the provisioned datasource and at least one query with a refId", () => {
        for (const { uid, model } of buildDashboards()) {
            const titles = new Set<string>();
            for (const p of panelsOf(model)) {
                assert.ok(p.title && p.title.trim().length > 0, `${uid}: a panel without a title`);
                assert.ok(!titles.has(p.title), `${uid}: two panels titled ${p.title}`);
                titles.add(p.title);
                assert.equal(p.datasource?.uid, DATASOURCE_UID, `${uid}/${p.title}: panel datasource`);
                const targets = targetsOf(p);
                assert.ok(targets.length >= 1, `${uid}/${p.title}: no target`);
                assert.deepEqual(targets.map((t) => t.refId), targets.map((_, i) => String.fromCharCode(65 + i)), `${uid}/${p.title}: refIds`);
                for (const t of targets) {
                    assert.equal(t.datasource?.uid, DATASOURCE_UID, `${uid}/${p.title}: target datasource`);
                    assert.equal(typeof t.expr, "string", `${uid}/${p.title}: target without expr`);
                }
            }
        }
    });

    it("scopes every selector of every query to the $stack variable", () => {
        const matcher = `${STACK_LABEL}="$${STACK_VARIABLE}"`;
        for (const { uid, model } of buildDashboards()) {
            for (const p of panelsOf(model)) {
                for (const t of targetsOf(p)) {
                    const expr = t.expr!;
                    const selectors = expr.split("{").length - 1;
                    assert.ok(selectors >= 1, `${uid}/${p.title}: no selector in ${expr}`);
                    assert.equal(expr.split(`{${matcher}`).length - 1, selectors, `${uid}/${p.title}: a selector without ${matcher}: ${expr}`);
                }
            }
        }
    });

    it("defines the $stack variable from label_values(up, stack) on the provisioned datasource", () => {
        assert.equal(STACK_VARIABLE_QUERY, `label_values(${UP}, ${STACK_LABEL})`);
        for (const { uid, model } of buildDashboards()) {
            const vars = model.templating.list ?? [];
            assert.equal(vars.length, 1, uid);
            const v = vars[0];
            assert.equal(v.name, STACK_VARIABLE, uid);
            assert.equal(v.type, "query", uid);
            assert.equal(v.query, STACK_VARIABLE_QUERY, uid);
            assert.equal(v.datasource?.uid, DATASOURCE_UID, uid);
            assert.equal(v.includeAll, false, `${uid}: "All" would mix stacks`);
            assert.equal(v.multi, false, uid);
        }
    });

    it("links every dashboard to the others by the imstack tag, keeping the stack and the time", () => {
        for (const { uid, model } of buildDashboards()) {
            assert.equal(model.links?.length, 1, uid);
            const l = model.links![0];
            assert.deepEqual([l.type, l.tags, l.includeVars, l.keepTime], ["dashboards", [DASHBOARD_TAG], true, true], uid);
        }
    });

    it("refuses a layout whose panel would cross the grid's right edge", () => {
        const wide = (title: string) => timeseriesPanel({ title, unit: "none", width: 16, queries: [{ expr: "up" }] });
        assert.throws(() => buildBoard({ uid: "imstack-nginx", title: "t", description: "d", panels: [wide("a"), wide("b")] }), /crosses the grid's right edge/);
        assert.throws(() => timeseriesPanel({ title: "x", unit: "none", queries: [] }), /at least one query/);
        assert.throws(() => timeseriesPanel({ title: "x", unit: "none", width: 25, queries: [{ expr: "up" }] }), /width/);
    });
});
