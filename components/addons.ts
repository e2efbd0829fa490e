// The extension point for a service beyond the built-in tiers (monitoring, an admin UI): its
// catalogue row plus an addon that deploys it. ImStack deploys every addon after the tiers its
// row starts after, and nginx routes to it when the row has routes.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { StackConfig } from "./config";
import { DataEndpoints } from "./endpoints";
import { Placement } from "./placement";

export interface AddonContext {
    readonly placement: Placement;
    readonly config: StackConfig;
    /** The data tier's connections. */
    readonly endpoints: DataEndpoints;
    /** The resources of the services its row starts after (wait for them: `dependsOn`). */
    readonly after: pulumi.Resource[];
    /** Its children's parent. */
    readonly parent: pulumi.Resource;
}

export interface ServiceAddon {
    /** The catalogue row it deploys (components check the row's tier and lifecycle). */
    readonly service: string;
    /** Creates its resources as children of `ctx.parent`, named from `name`; returns its containers. */
    deploy(name: string, ctx: AddonContext): docker.Container[];
}

/** The addons every stack deploys; a new service's addon is listed here. */
export const ADDONS: readonly ServiceAddon[] = [];
