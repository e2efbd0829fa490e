// What every imstack dashboard shares: its uid among the seven, the `$stack` variable, the links
// to the others, a read-only model (provisioned files are the source; UI edits would be lost),
// and no timestamps or ids, so the rendered JSON is the same on every run.
import { cog, dashboard } from "./sdk";
import { DATASOURCE, GRID_WIDTH } from "./panels";
import { STACK_VARIABLE, STACK_VARIABLE_QUERY } from "./promql";

/** The dashboards' uids, stable: links, bookmarks and alerts point at them. */
export const DASHBOARD_UIDS = {
    overview: "imstack-overview",
    backend: "imstack-backend",
    postgres: "imstack-postgres",
    redis: "imstack-redis",
    objectstore: "imstack-objectstore",
    nginx: "imstack-nginx",
    backups: "imstack-backups",
} as const;
export type DashboardUid = (typeof DASHBOARD_UIDS)[keyof typeof DASHBOARD_UIDS];

/** The tag on all seven; the links menu lists dashboards by it. */
export const DASHBOARD_TAG = "imstack";

export interface BoardSpec {
    readonly uid: DashboardUid;
    readonly title: string;
    readonly description: string;
    /** Laid out left to right, wrapping at the grid's width, in this order. */
    readonly panels: ReadonlyArray<cog.Builder<dashboard.Panel>>;
}

function stackVariable(): dashboard.QueryVariableBuilder {
    return new dashboard.QueryVariableBuilder(STACK_VARIABLE)
        .label("Stack")
        .datasource(DATASOURCE)
        .query(STACK_VARIABLE_QUERY)
        .definition(STACK_VARIABLE_QUERY)
        .refresh(dashboard.VariableRefresh.OnDashboardLoad)
        .sort(dashboard.VariableSort.AlphabeticalAsc)
        .multi(false)
        .includeAll(false);
}

function otherDashboards(): dashboard.DashboardLinkBuilder {
    return new dashboard.DashboardLinkBuilder("imstack")
        .type(dashboard.DashboardLinkType.Dashboards)
        .tags([DASHBOARD_TAG])
        .asDropdown(true)
        .includeVars(true)
        .keepTime(true);
}

export function buildBoard(spec: BoardSpec): dashboard.Dashboard {
    const b = new dashboard.DashboardBuilder(spec.title)
        .uid(spec.uid)
        .description(spec.description)
        .tags([DASHBOARD_TAG])
        .readonly()
        .timezone("browser")
        .time({ from: "now-6h", to: "now" })
        .refresh("1m")
        .tooltip(dashboard.DashboardCursorSync.Crosshair)
        .withVariable(stackVariable())
        .link(otherDashboards());
    for (const p of spec.panels) b.withPanel(p);
    const built = b.build();
    // Grafana wants panel ids unique within a dashboard; the SDK leaves them unset.
    (built.panels ?? []).forEach((p, i) => {
        p.id = i + 1;
        // The SDK wraps after a panel reaches the edge, not before one would cross it.
        if (p.gridPos && p.gridPos.x + p.gridPos.w > GRID_WIDTH) throw new Error(`${spec.uid}: panel ${JSON.stringify(p.title)} crosses the grid's right edge`);
    });
    return built;
}
