// The SDK publishes its modules only through package.json "exports" (e.g.
// "@grafana/grafana-foundation-sdk/dashboard" -> dist/dashboard). This repository's tsconfig uses
// moduleResolution "node", which does not read "exports", so these declarations point the type
// checker at the same files Node loads at run time. sdk.ts references this file; nothing else should.
declare module "@grafana/grafana-foundation-sdk/cog" {
    export * from "@grafana/grafana-foundation-sdk/dist/cog";
}
declare module "@grafana/grafana-foundation-sdk/common" {
    export * from "@grafana/grafana-foundation-sdk/dist/common";
}
declare module "@grafana/grafana-foundation-sdk/dashboard" {
    export * from "@grafana/grafana-foundation-sdk/dist/dashboard";
}
declare module "@grafana/grafana-foundation-sdk/prometheus" {
    export * from "@grafana/grafana-foundation-sdk/dist/prometheus";
}
declare module "@grafana/grafana-foundation-sdk/stat" {
    export * from "@grafana/grafana-foundation-sdk/dist/stat";
}
declare module "@grafana/grafana-foundation-sdk/timeseries" {
    export * from "@grafana/grafana-foundation-sdk/dist/timeseries";
}
