import * as pulumi from "@pulumi/pulumi";
import { ResourceLimits } from "../config";
import { Placement } from "../placement";

/** What every local engine's module gets from the DataTier. */
export interface LocalEngineArgs {
    readonly stack: string;
    /** Resource names start with this (the DataTier's name), so URNs stay stable. */
    readonly name: string;
    /** The DataTier: every resource is its child. */
    readonly parent: pulumi.Resource;
    readonly dataNetwork: pulumi.Input<string>;
    /** The stack's networks: the server joins those of its catalogue row (monitoring too, when on). */
    readonly placement: Placement;
    readonly resources: ResourceLimits;
    readonly protectVolume: boolean;
    readonly healthTimeoutSeconds: number;
    /** The generated keys (StackSecrets), rotated by `rotation.minio`. */
    readonly rootPassword: pulumi.Input<string>;
    readonly appSecretKey: pulumi.Input<string>;
    readonly backupSecretKey: pulumi.Input<string>;
}

/**
 * Shell function for one-shots: reads a secret from its file once and empties the file, so
 * the exited container keeps none, neither in its environment nor on its filesystem.
 */
export function takeSecretFn(job: string): string {
    return `take() { v=''; IFS= read -r v < "$1" || [ -n "$v" ]; : > "$1"; [ -n "$v" ] || { echo "${job}: $1 holds no secret" >&2; return 1; }; printf '%s' "$v"; }`;
}

