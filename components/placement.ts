// Where and how every component places its containers: one block ImStack builds once and
// hands to each tier, instead of each tier's args repeating the same fields.
import * as pulumi from "@pulumi/pulumi";
import { NetworkName } from "../catalogue";

export interface BuildInputs {
    /** Project root (apps/ and automation/backup are build contexts). */
    readonly projectDir: string;
    /** Base image of the app and job builds (NODE_IMAGE build arg). */
    readonly nodeImage: string;
    /** Extra build args for every image build (e.g. a CA bundle). */
    readonly buildArgs: Record<string, string>;
}

export interface Placement {
    /** Stack name, used in resource names and labels. */
    readonly stack: string;
    /** Docker names of the shared networks, by the catalogue's network names; monitoring only when it is on. */
    readonly networks: Readonly<Record<Exclude<NetworkName, "monitoring">, pulumi.Input<string>>> & { readonly monitoring?: pulumi.Input<string> };
    /** Seconds a container create waits for its healthcheck before failing. */
    readonly healthTimeoutSeconds: number;
    /** Publish the service ports on 127.0.0.1 (dev). */
    readonly publish: boolean;
    readonly build: BuildInputs;
}

/**
 * The container's networks from its catalogue row: the alias on the row's alias network, replicas
 * also as `<alias>-<n>`. A scraped service (a row with `metrics`) also joins the monitoring network
 * under the same names when the stack has one, so Prometheus reaches it without joining data.
 */
export function rowNetworks(
    placement: Placement,
    row: {
        readonly name?: string;
        readonly networks: readonly NetworkName[];
        readonly alias?: { readonly name: string; readonly network: NetworkName };
        readonly metrics?: object;
    },
    replica?: number,
): Array<{ name: pulumi.Input<string>; aliases: string[] }> {
    const names = (alias: string) => (replica === undefined ? [alias] : [alias, `${alias}-${replica}`]);
    const joined = row.networks.map((n) => {
        const alias = row.alias && row.alias.network === n ? row.alias.name : undefined;
        return { name: networkOf(placement, n, row.name), aliases: alias ? names(alias) : [] };
    });
    if (row.metrics && row.alias && placement.networks.monitoring !== undefined && !row.networks.includes("monitoring")) {
        joined.push({ name: placement.networks.monitoring, aliases: names(row.alias.name) });
    }
    return joined;
}

function networkOf(placement: Placement, n: NetworkName, service = "a service"): pulumi.Input<string> {
    const network = n === "monitoring" ? placement.networks.monitoring : placement.networks[n];
    if (network === undefined) throw new Error(`${service} joins the ${n} network, which this stack does not have (monitoring.enabled is off)`);
    return network;
}
