// Pulumi mocks that record every resource, after pulumi-awsx's tests, and return generated
// passwords as real secrets so secret-ness can be asserted downstream.
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";

export interface Recorded {
    type: string;
    name: string;
    inputs: Record<string, unknown>;
}

const SECRET_SIG = pulumi.runtime.specialSecretSig;
const SIG_KEY = pulumi.runtime.specialSigKey;

export function isSecretValue(v: unknown): v is { value: unknown } {
    return !!v && typeof v === "object" && (v as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

/** Replaces every secret-wrapped value by "[secret]", leaving only what would be plain text. */
export function plainParts(v: unknown): unknown {
    if (isSecretValue(v)) return "[secret]";
    if (Array.isArray(v)) return v.map(plainParts);
    if (v && typeof v === "object") {
        return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, plainParts(x)]));
    }
    return v;
}

/** Removes secret wrappers, keeping the values. */
export function unwrap(v: unknown): unknown {
    if (isSecretValue(v)) return unwrap(v.value);
    if (Array.isArray(v)) return v.map(unwrap);
    if (v && typeof v === "object") {
        return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, unwrap(x)]));
    }
    return v;
}

export class RecordingMocks implements pulumi.runtime.Mocks {
    readonly resources: Recorded[] = [];
    /** Every password the mocks generated, to search recorded inputs for leaks. */
    readonly generatedSecrets: string[] = [];

    newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, unknown> } {
        this.resources.push({ type: args.type, name: args.name, inputs: args.inputs });
        const state: Record<string, unknown> = { ...args.inputs };
        switch (args.type) {
            case "random:index/randomPassword:RandomPassword": {
                // Deterministic per name and keepers, so a rotation value visibly changes it.
                const seed = JSON.stringify([args.name, unwrap(args.inputs.keepers)]);
                const value = "Pw" + createHash("sha256").update(seed).digest("hex").slice(0, 30);
                this.generatedSecrets.push(value);
                state.result = { [SIG_KEY]: SECRET_SIG, value };
                break;
            }
            case "docker:index/remoteImage:RemoteImage":
                state.imageId = `sha256:${createHash("sha256").update(String(args.inputs.name)).digest("hex")}`;
                state.repoDigest = `${args.inputs.name}@${state.imageId}`;
                break;
            case "docker:index/image:Image":
                state.repoDigest = `${args.inputs.imageName}@sha256:${createHash("sha256").update(args.name).digest("hex")}`;
                break;
            case "docker:index/container:Container":
                state.exitCode = 0;
                break;
            case "command:local:Command":
                state.stdout = "";
                state.stderr = "";
                break;
        }
        return { id: `${args.name}-id`, state };
    }

    call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
        return args.inputs;
    }

    byType(type: string): Recorded[] {
        return this.resources.filter((r) => r.type === type);
    }

    one(type: string, name: string): Recorded {
        const found = this.resources.filter((r) => r.type === type && r.name === name);
        if (found.length !== 1) {
            const names = this.byType(type).map((r) => r.name).join(", ");
            throw new Error(`expected one ${type} named ${name}, found ${found.length} (have: ${names})`);
        }
        return found[0];
    }

    containers(): Recorded[] {
        return this.byType("docker:index/container:Container");
    }

    container(service: string): Recorded {
        const matches = this.containers().filter((c) => c.inputs.name === service || String(c.inputs.name).endsWith(`-${service}`));
        if (matches.length !== 1) throw new Error(`expected one container for ${service}, found ${matches.map((m) => m.inputs.name).join(", ") || "none"}`);
        return matches[0];
    }
}

/** Waits for every output to resolve, so all child resources have been registered. */
export function settled(...outputs: pulumi.Output<unknown>[]): Promise<unknown[]> {
    return new Promise((resolve) => pulumi.all(outputs).apply((v) => { resolve(v); return v; }));
}
