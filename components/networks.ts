import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { objectLabels, resourcePrefix } from "./naming";

export interface StackNetworksArgs {
    /** Stack name, used in network names and labels. */
    readonly stack: string;
    /** Create the internal monitoring network (`monitoring.enabled`). */
    readonly monitoring?: boolean;
}

/**
 * The two networks every tier attaches to. They live in their own component because the app
 * tier joins both before the edge tier exists.
 */
export class StackNetworks extends pulumi.ComponentResource {
    /** Internal network of postgres, redis, minio, the backends and the backup job: no route out. */
    public readonly data: docker.Network;
    /** Network of nginx, the frontends and the backends. */
    public readonly edge: docker.Network;
    /** Internal network where Prometheus reaches the exporters and the scraped services; only with monitoring. */
    public readonly monitoring?: docker.Network;

    constructor(name: string, args: StackNetworksArgs, opts?: pulumi.ComponentResourceOptions) {
        super("imstack:network:StackNetworks", name, {}, opts);
        const labels = objectLabels(args.stack);
        this.data = new docker.Network(`${name}-data`, {
            name: `${resourcePrefix(args.stack)}-data`,
            driver: "bridge",
            internal: true,
            labels,
        }, { parent: this });
        this.edge = new docker.Network(`${name}-edge`, {
            name: `${resourcePrefix(args.stack)}-edge`,
            driver: "bridge",
            labels,
        }, { parent: this });
        if (args.monitoring) {
            this.monitoring = new docker.Network(`${name}-monitoring`, {
                name: `${resourcePrefix(args.stack)}-monitoring`,
                driver: "bridge",
                internal: true,
                labels,
            }, { parent: this });
        }
        this.registerOutputs({ data: this.data.name, edge: this.edge.name, monitoring: this.monitoring?.name });
    }
}
