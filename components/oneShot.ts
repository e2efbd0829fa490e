// The settings every one-shot container (init jobs, the secrets filler) shares, so a new
// one-shot cannot forget one of them; the hardening is the services' (components/hardening.ts).
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { checkCatalogueRow, hardening } from "./hardening";
import { containerName, imstackLabels, labelList, Tier } from "./naming";

/** Options every one-shot container shares. */
export const ONE_SHOT: Pick<docker.ContainerArgs, "mustRun" | "attach" | "logs" | "restart" | "logDriver" | "logOpts" | "securityOpts" | "memory"> = {
    // Runs once per change of its inputs; an exited one-shot is not "drift".
    mustRun: false,
    attach: true,
    logs: true,
    restart: "no",
    ...hardening("one-shot"),
    // The default; a one-shot that needs less or more says so.
    memory: 128,
};

/** What a one-shot container is made of; the rest is ONE_SHOT and its catalogue row's labels. */
export type OneShotSpec = Omit<docker.ContainerArgs, "name" | "labels" | keyof typeof ONE_SHOT> & {
    readonly stack: string;
    /** Its catalogue row (lifecycle one-shot). */
    readonly service: string;
    readonly tier: Tier;
    /** Below the 128 MB default, when it needs less. */
    readonly memory?: number;
};

/** A one-shot container: checked against its catalogue row, hardened like every service. */
export function oneShotContainer(resourceName: string, spec: OneShotSpec, opts: pulumi.CustomResourceOptions): docker.Container {
    const { stack, service, tier, memory, ...args } = spec;
    checkCatalogueRow(service, tier, "one-shot");
    return new docker.Container(resourceName, {
        name: containerName(stack, service),
        ...args,
        labels: labelList(imstackLabels(stack, service, tier)),
        ...ONE_SHOT,
        ...(memory !== undefined ? { memory } : {}),
    // A fixed name collides if the new container starts first.
    }, { ...opts, deleteBeforeReplace: true });
}
