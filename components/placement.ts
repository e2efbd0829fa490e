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
    /** Docker names of the shared networks, by the catalogue's network names. */
    readonly networks: Readonly<Record<NetworkName, pulumi.Input<string>>>;
    /** Seconds a container create waits for its healthcheck before failing. */
    readonly healthTimeoutSeconds: number;
    /** Publish the service ports on 127.0.0.1 (dev). */
    readonly publish: boolean;
    readonly build: BuildInputs;
}

/** The container's networks from its catalogue row: the alias on the row's alias network, replicas also as `<alias>-<n>`. */
export function rowNetworks(
    placement: Placement,
    row: { readonly networks: readonly NetworkName[]; readonly alias?: { readonly name: string; readonly network: NetworkName } },
    replica?: number,
): Array<{ name: pulumi.Input<string>; aliases: string[] }> {
    return row.networks.map((n) => {
        const alias = row.alias && row.alias.network === n ? row.alias.name : undefined;
        const aliases = alias ? (replica === undefined ? [alias] : [alias, `${alias}-${replica}`]) : [];
        return { name: placement.networks[n], aliases };
    });
}
