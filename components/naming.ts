// Names and labels are the contract imctl and the live tests rely on (docs/conventions.md).
import * as docker from "@pulumi/docker";
import type { Tier } from "../catalogue";

export type { Tier } from "../catalogue";

export function resourcePrefix(stack: string): string {
    return `imstack-${stack}`;
}

export function containerName(stack: string, service: string, replica?: number): string {
    return `${resourcePrefix(stack)}-${service}${replica === undefined ? "" : `-${replica}`}`;
}

export function imstackLabels(stack: string, service: string, tier: Tier, extra: Record<string, string> = {}): Record<string, string> {
    return {
        "com.imstack.project": "imstack",
        "com.imstack.stack": stack,
        "com.imstack.service": service,
        "com.imstack.tier": tier,
        ...extra,
    };
}

/** The provider takes labels as a list of pairs; sorted so the order never causes a diff. */
export function labelList(labels: Record<string, string>): docker.types.input.ContainerLabel[] {
    return Object.keys(labels).sort().map((label) => ({ label, value: labels[label] }));
}

/** Labels of networks and volumes: the stack and project, plus what the object is. */
export function objectLabels(stack: string, extra: Record<string, string> = {}): Array<{ label: string; value: string }> {
    const labels: Record<string, string> = { "com.imstack.project": "imstack", "com.imstack.stack": stack, ...extra };
    return Object.keys(labels).sort().map((label) => ({ label, value: labels[label] }));
}
