// The one door to @grafana/grafana-foundation-sdk (Apache-2.0): every dashboard module imports the
// SDK from here, so the resolution work-around in sdkModules.d.ts lives in one place.
/// <reference path="./sdkModules.d.ts" />
export * as cog from "@grafana/grafana-foundation-sdk/cog";
export * as common from "@grafana/grafana-foundation-sdk/common";
export * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
export * as prometheus from "@grafana/grafana-foundation-sdk/prometheus";
export * as stat from "@grafana/grafana-foundation-sdk/stat";
export * as timeseries from "@grafana/grafana-foundation-sdk/timeseries";
