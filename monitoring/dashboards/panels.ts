// Panel builders over the SDK: a timeseries or stat panel from a title, a unit and its queries,
// every one on the provisioned Prometheus datasource. The dashboards say what to show; the
// look (legend, reducer, sizes) is decided here once.
import { common, dashboard, prometheus, stat, timeseries } from "./sdk";
import { DATASOURCE_TYPE, DATASOURCE_UID } from "./promql";

export const DATASOURCE: common.DataSourceRef = { type: DATASOURCE_TYPE, uid: DATASOURCE_UID };

/** Grafana's unit ids the dashboards use (a typo would silently show raw numbers). */
export type Unit = "none" | "percentunit" | "bytes" | "Bps" | "s" | "dtdurations" | "reqps" | "ops" | "cps";

export interface Query {
    readonly expr: string;
    /** Grafana's legend template, e.g. "{{route}}". */
    readonly legend?: string;
}

/** The grid is 24 columns wide. */
export const GRID_WIDTH = 24;

interface PanelCommon {
    readonly title: string;
    readonly description?: string;
    readonly unit: Unit;
    readonly queries: readonly Query[];
    /** Columns of GRID_WIDTH; defaults per panel kind. */
    readonly width?: number;
    readonly height?: number;
}

export interface TimeseriesOptions extends PanelCommon {
    /** Stack the series (parts of one whole: connections by state). */
    readonly stacked?: boolean;
    readonly min?: number;
    readonly max?: number;
}

export interface StatOptions extends PanelCommon {
    /** Red from this value up (or down, with `below`): the alert rule's threshold, where there is one. */
    readonly redAt?: number;
    readonly below?: boolean;
}

/** refIds A, B, C... in query order. */
function targets(queries: readonly Query[], instant: boolean): prometheus.DataqueryBuilder[] {
    if (queries.length === 0) throw new Error("a panel needs at least one query");
    if (queries.length > 26) throw new Error("at most 26 queries per panel");
    return queries.map((q, i) => {
        const b = new prometheus.DataqueryBuilder().datasource(DATASOURCE).refId(String.fromCharCode(65 + i)).expr(q.expr);
        if (q.legend) b.legendFormat(q.legend);
        return instant ? b.instant() : b.range();
    });
}

function size(width: number, height: number): dashboard.GridPos {
    if (!(Number.isInteger(width) && width > 0 && width <= GRID_WIDTH)) throw new Error(`panel width must be 1..${GRID_WIDTH}: ${width}`);
    if (!(Number.isInteger(height) && height > 0)) throw new Error(`panel height must be a positive integer: ${height}`);
    return { x: 0, y: 0, w: width, h: height };
}

export function timeseriesPanel(o: TimeseriesOptions): timeseries.PanelBuilder {
    const p = new timeseries.PanelBuilder()
        .title(o.title)
        .datasource(DATASOURCE)
        .unit(o.unit)
        .gridPos(size(o.width ?? 12, o.height ?? 8))
        .targets(targets(o.queries, false))
        .legend(new common.VizLegendOptionsBuilder().showLegend(true).displayMode(common.LegendDisplayMode.List).placement(common.LegendPlacement.Bottom))
        .tooltip(new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi).sort(common.SortOrder.Descending))
        .fillOpacity(10)
        .lineWidth(1)
        .showPoints(common.VisibilityMode.Never);
    if (o.description) p.description(o.description);
    if (o.stacked) p.stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal));
    if (o.min !== undefined) p.min(o.min);
    if (o.max !== undefined) p.max(o.max);
    return p;
}

function thresholds(redAt: number | undefined, below: boolean): dashboard.ThresholdsConfigBuilder {
    // A base step's value is null in Grafana's model: "from minus infinity".
    const steps: dashboard.Threshold[] = redAt === undefined
        ? [{ value: null, color: "green" }]
        : below
            ? [{ value: null, color: "red" }, { value: redAt, color: "green" }]
            : [{ value: null, color: "green" }, { value: redAt, color: "red" }];
    return new dashboard.ThresholdsConfigBuilder().mode(dashboard.ThresholdsMode.Absolute).steps(steps);
}

export function statPanel(o: StatOptions): stat.PanelBuilder {
    const p = new stat.PanelBuilder()
        .title(o.title)
        .datasource(DATASOURCE)
        .unit(o.unit)
        .gridPos(size(o.width ?? 6, o.height ?? 4))
        .targets(targets(o.queries, true))
        // The latest value, not a mean over the range: "is it up now", "how old is the backup now".
        .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(["lastNotNull"]).values(false))
        .graphMode(common.BigValueGraphMode.None)
        .colorMode(common.BigValueColorMode.Background)
        .thresholds(thresholds(o.redAt, o.below ?? false));
    if (o.description) p.description(o.description);
    return p;
}
